"""Resource library: search and similar-resource latency for 1,000 and 20,000 resources, beside
floors measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/homeroom .venv/bin/python bench/resources.py

Bulk-creates the library (titles and descriptions from a mixed vocabulary, two tags each, shared
with every school so the viewer sees all of them) in a throwaway database (bench_resources_<pid>)
on DATABASE_URL's server, created and dropped here; without DATABASE_URL, a SQLite file. Vectors
are random unit vectors (the cost of the cosine over the candidates does not depend on their
values), not computed by the model; when the embedding extra is installed, the model's time to
embed one resource is printed too. Each figure is the median and the 90th percentile of
`--samples` runs, in milliseconds:

- floor: a bare single-row SELECT by primary key, and a numpy dot product of two vectors;
- search: `resources.selectors.library_page` for a query, first page evaluated (count, page, tags);
- similar: `resources.discovery.selectors.similar_resources` for one resource (its vector, the
  candidates' vectors, the nearest five with their tags);
- similar by search: the same for a resource without a vector (the fallback).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is bench/resources.py: keep bench/ off the path so it does not shadow the `resources` app.
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]

TOPICS = [
    "fractions",
    "phonics",
    "photosynthesis",
    "times tables",
    "the water cycle",
    "Romans",
    "anxiety at home",
    "reading fluency",
    "forces",
    "persuasive writing",
    "volcanoes",
    "coding",
    "Kiswahili insha",
    "telling the time",
    "healthy eating",
    "the solar system",
]
KINDS = ["worksheet", "guide", "lesson_plan", "home_strategy", "assessment_tool"]


def configure_environment() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "hub.settings.base"
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='homeroom-bench-')}/bench.sqlite3"
    os.environ.pop("REDIS_URL", None)
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="homeroom-bench-media-")


def timed(fn, samples: int) -> tuple[float, float]:
    durations = []
    for _ in range(samples):
        started = time.perf_counter()
        fn()
        durations.append((time.perf_counter() - started) * 1000)
    durations.sort()
    return statistics.median(durations), durations[max(0, round(0.9 * len(durations)) - 1)]


def grow(world, *, to: int, rng) -> None:
    """Bulk-create resources (and their random unit vectors) until the library holds `to`."""
    import numpy as np
    from django.db import connection

    from resources.discovery import embeddings
    from resources.models import Resource, ResourceEmbedding, Status, Tag, Visibility

    have = Resource.objects.count()
    tags = [Tag.objects.get_or_create(kind="topic", name=topic)[0] for topic in TOPICS]
    year = [Tag.objects.get_or_create(kind="year", name=f"Year {n}")[0] for n in range(1, 7)]
    batch = []
    for n in range(have, to):
        topic = TOPICS[n % len(TOPICS)]
        batch.append(
            Resource(
                title=f"{topic.capitalize()} {KINDS[n % len(KINDS)].replace('_', ' ')} {n}",
                description=f"Practice and explanation on {topic} for Year {n % 6 + 1}; see also {TOPICS[(n * 7) % len(TOPICS)]}.",
                kind=KINDS[n % len(KINDS)],
                author=world.author,
                school=world.home,
                visibility=Visibility.COMMUNITY,
                status=Status.PUBLISHED,
                tag_text=f"{topic} Year {n % 6 + 1}",
            )
        )
    created = Resource.objects.bulk_create(batch, batch_size=1000)
    through = Resource.tags.through
    links = []
    for n, resource in enumerate(created, start=have):
        links.append(through(resource_id=resource.pk, tag_id=tags[n % len(tags)].pk))
        links.append(through(resource_id=resource.pk, tag_id=year[n % 6].pk))
    through.objects.bulk_create(links, batch_size=5000)
    vectors = rng.standard_normal((len(created), embeddings.DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ResourceEmbedding.objects.bulk_create(
        (
            ResourceEmbedding(
                resource=resource, vector=vector.tobytes(), text_hash="bench", model_name=embeddings.MODEL_NAME
            )
            for resource, vector in zip(created, vectors, strict=True)
        ),
        batch_size=2000,
    )
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchVector

        from resources.models import SEARCH_CONFIG

        Resource.objects.filter(search_vector__isnull=True).update(
            search_vector=SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("tag_text", weight="B", config=SEARCH_CONFIG)
            + SearchVector("description", weight="C", config=SEARCH_CONFIG)
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE resources_resource; ANALYZE resources_resourceembedding;")


def report(size: int, *, world, viewer, rng, query: str, samples: int) -> None:
    """Grow the library to `size` and print its figures."""
    import numpy as np

    from resources.discovery import embeddings
    from resources.discovery.selectors import similar_resources
    from resources.models import Resource, ResourceEmbedding
    from resources.selectors import library_page

    grow(world, to=size, rng=rng)
    resource = Resource.objects.order_by("pk")[size // 2]
    tags = list(resource.tags.all())
    unvectored = Resource.objects.order_by("pk")[size // 3]
    ResourceEmbedding.objects.filter(resource=unvectored).delete()
    one = rng.standard_normal(embeddings.DIMENSIONS).astype(np.float32)
    other = rng.standard_normal(embeddings.DIMENSIONS).astype(np.float32)
    matrix = rng.standard_normal((size, embeddings.DIMENSIONS)).astype(np.float32)

    def search():
        page = library_page(user=viewer, query=query)
        list(page.page.object_list)

    figures = [
        (
            "floor: SELECT one row by pk",
            lambda: list(Resource.objects.filter(pk=resource.pk).values_list("pk")),
        ),
        ("floor: numpy dot of two vectors", lambda: float(one @ other)),
        (f"floor: numpy ({size} x {embeddings.DIMENSIONS}) @ vector", lambda: matrix @ one),
        (f"search '{query}' (first page)", search),
        ("similar (vectors)", lambda: similar_resources(user=viewer, resource=resource, tags=tags)),
        (
            "similar (search fallback)",
            lambda: similar_resources(user=viewer, resource=unvectored, tags=list(unvectored.tags.all())),
        ),
    ]
    print(f"\n{size} resources")
    for label, fn in figures:
        fn()  # warm caches and plans
        median, p90 = timed(fn, samples)
        print(f"  {label:<45} median {median:9.3f} ms   p90 {p90:9.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,20000")
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--query", default="fractions worksheet")
    args = parser.parse_args()
    configure_environment()
    import django

    django.setup()
    import numpy as np
    from django.db import connection

    from resources.discovery import embeddings

    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_resources_{os.getpid()}"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from tests.resources.world import build_world

        world = build_world()
        viewer = world.partner_teacher
        rng = np.random.default_rng(13)
        print(f"database: {connection.vendor}; vectors: random unit vectors ({embeddings.DIMENSIONS} float32)")
        if embeddings.available():
            embeddings.encode(["warm-up"])
            median, p90 = timed(lambda: embeddings.encode(["Adding fractions worksheet for Year 4"]), args.samples)
            print(f"model: embed one resource ({embeddings.MODEL_NAME}, CPU)  median {median:.1f} ms  p90 {p90:.1f} ms")
        for size in (int(part) for part in args.sizes.split(",")):
            report(size, world=world, viewer=viewer, rng=rng, query=args.query, samples=args.samples)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
