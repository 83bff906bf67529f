from django.urls import include, path
from django.views.generic import RedirectView

from amends.public import survey, tracking, views

app_name = "public"

urlpatterns = [
    path("p/<str:code>/", views.complaint_form, name="form"),
    path("p/<str:code>/received/", views.received, name="received"),
    path("p/<str:code>/poster.pdf", views.poster_pdf, name="poster"),
    path("c/<str:reference>/<str:token>/", tracking.track_link, name="track"),
    path(
        "c/<str:reference>/<str:token>/do/<slug:name>/",
        tracking.track_link_act,
        name="track_act",
    ),
    # The portal's address in the sign-in code's message: the sign-in page.
    path("c/", RedirectView.as_view(pattern_name="public:sign_in", permanent=False)),
    path("t/", tracking.sign_in, name="sign_in"),
    path("t/code/", tracking.sign_in_code, name="sign_in_code"),
    path("t/mine/", tracking.mine, name="mine"),
    path("t/out/", tracking.sign_out, name="sign_out"),
    path("t/privacy/", tracking.privacy, name="privacy"),
    path("t/<str:reference>/", tracking.complaint_page, name="complaint"),
    path("t/<str:reference>/do/<slug:name>/", tracking.complaint_act, name="act"),
    path("s/<str:token>/", survey.survey, name="survey"),
    path("", include("amends.public.equipment_urls")),
]
