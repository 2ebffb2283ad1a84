"""The parents' dashboard, in the family's words: /parents/children/<id>/goals/."""

from django.urls import path

from parents import views

app_name = "parents"
urlpatterns = [
    path("", views.home, name="home"),
    path("mood/", views.mood_check_in, name="mood_check_in"),
    path("children/", views.children, name="children"),
    path("children/choose/", views.child_select, name="child_select"),
    path("children/<int:pupil_id>/", views.child_learning, name="child"),
    path("children/<int:pupil_id>/activity/", views.child_activity, name="child_activity"),
    path("children/<int:pupil_id>/achievements/", views.child_achievements, name="child_achievements"),
    path("children/<int:pupil_id>/goals/", views.child_goals, name="child_goals"),
    path("children/<int:pupil_id>/insights/", views.child_insights, name="child_insights"),
]
