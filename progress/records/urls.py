"""Included by progress/urls.py under /progress/: names live in the progress namespace."""

from django.urls import path

from progress.records import views

urlpatterns = [
    path("pupils/<int:pupil_id>/record/", views.pupil_record, name="pupil_record"),
    path("pupils/<int:pupil_id>/record/assessments/", views.record_add, {"kind": "assessment"}, name="assessment_add"),
    path("pupils/<int:pupil_id>/record/activity/", views.record_add, {"kind": "activity"}, name="activity_add"),
    path("pupils/<int:pupil_id>/record/awards/", views.record_add, {"kind": "award"}, name="award_add"),
    path("pupils/<int:pupil_id>/record/judgements/", views.record_add, {"kind": "judgement"}, name="judgement_add"),
    path("assessments/<int:assessment_id>/delete/", views.assessment_delete, name="assessment_delete"),
    path("activity/<int:activity_id>/delete/", views.activity_delete, name="activity_delete"),
    path("awards/<int:award_id>/delete/", views.award_delete, name="award_delete"),
    path("judgements/<int:judgement_id>/delete/", views.judgement_delete, name="judgement_delete"),
    path("pupils/<int:pupil_id>/observations/", views.observations, name="observations"),
    path("pupils/<int:pupil_id>/observations/new/", views.observation_new, name="observation_new"),
    path("observations/review/", views.observations_review, name="observations_review"),
    path("observations/<int:observation_id>/review/", views.observation_review, name="observation_review"),
    path("observations/<int:observation_id>/withdraw/", views.observation_withdraw, name="observation_withdraw"),
    path("observations/<int:observation_id>/file/", views.observation_file, name="observation_file"),
]
