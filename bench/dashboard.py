"""The parents' dashboard's server time beside a trivial signed-in page's, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/homeroom .venv/bin/python bench/dashboard.py --requests 60

Seeds a Kenyan family of four children with 60 days of records each (activity twice a day,
assessments, competency judgements, awards, a goal due soon, a celebration, an open alert, an
unread message per child: tests/parents/family.py), signs the guardian in, then times each page
in this process through Django's test client (the whole middleware stack, session, sign-in,
template rendering, every query; no network, no browser):

- floor, bare: a signed-in view that answers "ok" (middleware, session and user only);
- floor, page: a signed-in page with the site's layout and nothing else (navigation, badge,
  header and footer: what every page pays);
- the dashboard home, a child's learning journey (radar), activity, goals and insights tabs.

Printed: median and 90th percentile milliseconds and queries per page, and each page's median as
a ratio of both floors (target: the dashboard within 3x of the trivial signed-in page). Runs in
a throwaway database (bench_dashboard_<pid>) on DATABASE_URL's server, created and dropped here;
without DATABASE_URL, a SQLite file in a temporary directory.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is bench/dashboard.py: keep bench/ off the path so it shadows no app.
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]


def configure_environment() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "hub.settings.base"
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='homeroom-bench-')}/bench.sqlite3"
    os.environ.pop("REDIS_URL", None)  # in-memory cache and layer: the figures are the page's own
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def bare(request):
    from django.http import HttpResponse, HttpResponseForbidden

    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    return HttpResponse("ok")


def layout_only(request):
    from django.http import HttpResponseForbidden
    from django.template import engines
    from django.template.response import TemplateResponse

    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    template = engines["django"].from_string(
        '{% extends "base.html" %}{% block title %}Bench{% endblock %}'
        '{% block content %}<h1 class="govuk-heading-l">Hello</h1>{% endblock %}'
    )
    return TemplateResponse(request, template, {})


def install_urlconf() -> None:
    from django.conf import settings
    from django.urls import clear_url_caches, path

    from hub import urls as hub_urls

    module = types.ModuleType("bench_dashboard_urls")
    module.urlpatterns = [path("bench/bare/", bare), path("bench/page/", layout_only), *hub_urls.urlpatterns]
    for name in ("handler403", "handler404", "handler500"):
        setattr(module, name, getattr(hub_urls, name))
    sys.modules["bench_dashboard_urls"] = module
    settings.ROOT_URLCONF = "bench_dashboard_urls"
    clear_url_caches()


def time_page(client, url: str, requests: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm: templates, translations, content types
        assert client.get(url).status_code == 200, url
    timings = []
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    count = len(queries)  # read now: later requests reset the connection's query log
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    timings.sort()
    return {
        "median": statistics.median(timings),
        "p90": timings[min(len(timings) - 1, round(0.9 * (len(timings) - 1)))],
        "queries": count,
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page")
    parser.add_argument("--children", type=int, default=4)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    configure_environment()
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    # Pages render without `collectstatic` (no hashed-name manifest here), as in the test settings.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.DEBUG = False
    install_urlconf()
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_dashboard_{os.getpid()}"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from tests.parents.family import seed_family

        started = time.perf_counter()
        family = seed_family(children=args.children, days=args.days, label="bench")
        seeded = time.perf_counter() - started
        client = Client()
        client.force_login(family.guardian)
        child = family.children[0]
        pages = [
            ("floor: bare signed-in view", "/bench/bare/"),
            ("floor: signed-in page (layout only)", "/bench/page/"),
            ("dashboard home", reverse("parents:home")),
            ("my children", reverse("parents:children")),
            ("child: learning journey (radar)", reverse("parents:child", args=[child.pk])),
            ("child: activity", reverse("parents:child_activity", args=[child.pk])),
            ("child: goals", reverse("parents:child_goals", args=[child.pk])),
            ("child: insights", reverse("parents:child_insights", args=[child.pk])),
        ]
        print(
            f"database: {connection.vendor} ({name}); a family of {args.children} children, {args.days} days of "
            f"records each (seeded in {seeded:.1f} s); {args.requests} timed requests per page, {os.cpu_count()} CPUs"
        )
        results = [(label, time_page(client, url, args.requests)) for label, url in pages]
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
    floor_bare, floor_page = results[0][1], results[1][1]
    print(f"{'page':<36} {'median ms':>9} {'p90 ms':>7} {'queries':>7} {'KB':>5} {'÷ bare':>7} {'÷ page':>7}")
    for label, figures in results:
        print(
            f"{label:<36} {figures['median']:>9.1f} {figures['p90']:>7.1f} {figures['queries']:>7} "
            f"{figures['bytes'] / 1024:>5.1f} {figures['median'] / floor_bare['median']:>6.1f}x "
            f"{figures['median'] / floor_page['median']:>6.1f}x"
        )


if __name__ == "__main__":
    main()
