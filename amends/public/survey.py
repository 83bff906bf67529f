"""The satisfaction survey (满意度调查) at `/s/<token>/`: satisfaction 1–5, recommendation 0–10
and a comment, answered once. The survey closes SURVEY_DAYS days after the invitation
(`complaints.surveys`, enforced by `services.survey_answer`); the page then says so."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from amends.complaints import services
from amends.complaints.surveys import survey_closes_at
from amends.core import clock
from amends.core.errors import InvalidInput, InvalidTransition
from amends.public import selectors
from amends.public.forms import SurveyForm
from amends.public.pages import public_page, venue_time


@public_page
def survey(request: HttpRequest, token: str) -> HttpResponse:
    found = selectors.survey_by_token(token=token)
    venue = found.complaint.venue
    context: dict[str, object] = {"survey": found, "venue": venue, "complaint": found.complaint}
    if found.answered_at is not None:
        return render(request, "public/survey_done.html", context)
    until = survey_closes_at(found)
    if clock.now() > until:
        context["until"] = venue_time(until, venue)
        return render(request, "public/survey_expired.html", context, status=410)
    posted = request.method == "POST"
    form = SurveyForm(request.POST if posted else None)
    context["form"] = form
    if posted and form.is_valid():
        d = form.cleaned_data
        try:
            services.survey_answer(
                token=token, satisfaction=d["satisfaction"], nps=d["nps"], comment=d["comment"]
            )
        except InvalidTransition:  # answered meanwhile in another tab, or closed meanwhile
            return redirect("public:survey", token=token)
        except InvalidInput as refused:
            form.add_error(None, str(refused.message))
            return render(request, "public/survey.html", context, status=400)
        messages.success(request, _("Thank you for your answer."))
        return redirect("public:survey", token=token)
    return render(request, "public/survey.html", context, status=400 if posted else 200)
