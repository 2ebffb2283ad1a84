"""Progress pages: each part's URLs under one namespace (`progress:<name>`)."""

from progress.goals import urls as goals
from progress.insights import urls as insights
from progress.records import urls as records

app_name = "progress"
urlpatterns = [*records.urlpatterns, *goals.urlpatterns, *insights.urlpatterns]
