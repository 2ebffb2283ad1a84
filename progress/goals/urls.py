"""Goals, celebrations and portfolio pages, in the progress namespace (`progress:goal`, ...)."""

from django.urls import path

from progress.goals import views

urlpatterns = [
    path("goals/", views.goals_home, name="goals_home"),
    path("pupils/<int:pupil_id>/goals/", views.goal_list, name="goals"),
    path("pupils/<int:pupil_id>/goals/new/", views.goal_new, name="goal_new"),
    path("goals/<int:goal_id>/", views.goal_detail, name="goal"),
    path("goals/<int:goal_id>/updates/new/", views.goal_update_new, name="goal_update_new"),
    path("goals/<int:goal_id>/status/", views.goal_status, name="goal_status"),
    path("goals/<int:goal_id>/voice/", views.goal_voice, name="goal_voice"),
    path("goal-updates/<int:goal_update_id>/file/", views.goal_update_file, name="goal_update_file"),
    path("pupils/<int:pupil_id>/celebrations/", views.celebration_list, name="celebrations"),
    path("celebrations/<int:celebration_id>/", views.celebration_detail, name="celebration"),
    path("celebrations/<int:celebration_id>/notes/", views.celebration_note, name="celebration_note"),
    path("celebrations/<int:celebration_id>/voice/", views.celebration_voice, name="celebration_voice"),
    path("pupils/<int:pupil_id>/portfolio/", views.portfolio, name="portfolio"),
    path("pupils/<int:pupil_id>/portfolio/new/", views.portfolio_new, name="portfolio_new"),
    path("portfolio/to-approve/", views.portfolio_queue, name="portfolio_queue"),
    path("portfolio/<int:portfolio_item_id>/", views.portfolio_item, name="portfolio_item"),
    path("portfolio/<int:portfolio_item_id>/voice/", views.portfolio_voice, name="portfolio_voice"),
    path("portfolio/<int:portfolio_item_id>/review/", views.portfolio_review, name="portfolio_review"),
    path("portfolio/<int:portfolio_item_id>/file/", views.portfolio_file, name="portfolio_file"),
    path("pupils/<int:pupil_id>/sign-in/", views.pupil_sign_in, name="pupil_sign_in"),
    path("classes/<int:class_group_id>/portfolio/", views.class_portfolio, name="class_portfolio"),
    # The pupil's own view: their goals, reflections and portfolio, nothing else.
    path("me/", views.me, name="me"),
    path("me/goals/<int:goal_id>/", views.me_goal, name="me_goal"),
    path("me/goal-updates/<int:goal_update_id>/file/", views.me_goal_update_file, name="me_goal_update_file"),
    path("me/celebrations/<int:celebration_id>/", views.me_celebration, name="me_celebration"),
    path("me/portfolio/", views.me_portfolio, name="me_portfolio"),
    path("me/portfolio/<int:portfolio_item_id>/", views.me_portfolio_item, name="me_portfolio_item"),
    path("me/portfolio/<int:portfolio_item_id>/file/", views.me_portfolio_file, name="me_portfolio_file"),
]
