"""Report and export pages (`reports:<name>`): the reports' own pages and the exports'."""

from reports import page_urls
from reports.exports import urls as exports

app_name = "reports"
urlpatterns = [*page_urls.urlpatterns, *exports.urlpatterns]
