"""Addresses of member care in the console (included under care/ by console/urls.py, in its
namespace): the specialist's day, members, campaigns and their call sheets, care rules,
coaches and visits."""

from django.urls import path

from amends.console import care_campaign_views as campaigns
from amends.console import care_member_views as members
from amends.console import care_rule_views as rules

urlpatterns = [
    path("calls/", members.calls_today, name="care_calls"),
    path("book/", members.member_book, name="care_book"),
    path("members/", members.members, name="care_members"),
    path("members/new/", members.member_new, name="care_member_new"),
    path("members/<int:pk>/", members.member, name="care_member"),
    path("members/<int:pk>/contact/", members.member_reveal, name="care_member_reveal"),
    path("members/<int:pk>/do/<slug:name>/", members.member_act, name="care_member_act"),
    path("calls/<int:pk>/", campaigns.call_sheet, name="care_call"),
    path("calls/<int:pk>/record/", campaigns.call_record, name="care_call_record"),
    path("campaigns/", campaigns.campaigns, name="care_campaigns"),
    path("campaigns/new/", campaigns.campaign_edit, name="care_campaign_new"),
    path("campaigns/<int:pk>/", campaigns.campaign, name="care_campaign"),
    path("campaigns/<int:pk>/edit/", campaigns.campaign_edit, name="care_campaign_edit"),
    path("campaigns/<int:pk>/finish/", campaigns.campaign_finish, name="care_campaign_finish"),
    path("campaigns/<int:pk>/calls.csv", campaigns.campaign_csv, name="care_campaign_csv"),
    path("rules/", rules.care_rules, name="care_rules"),
    path("rules/<slug:kind>/", rules.care_rule, name="care_rule"),
    path("coaches/", rules.coaches, name="care_coaches"),
    path("visits/", rules.visits, name="care_visits"),
]
