"""The library's pages from the outside: what each person finds, what a guessed id answers, forms
that re-render with the reason, versions, lineage, sharing through a leader, families' feedback."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from resources.models import Kind, Resource, Status, Visibility
from tests.conftest import force_verified_login
from tests.resources.world import build_world, make_resource

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="fractions.pdf", body=PDF):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


@pytest.fixture
def world(db):
    w = build_world()
    w.shared = make_resource(
        author=w.author,
        school=w.home,
        title="Fractions on a number line",
        visibility=Visibility.PARTNERS,
        tags=[("subject", "Maths"), ("year", "Year 4")],
    )
    w.strategy = make_resource(
        author=w.author,
        school=w.home,
        title="Calm-down corner at home",
        kind=Kind.HOME_STRATEGY,
        published_to_families=True,
        body="<p>Pick a quiet spot.</p><script>alert(1)</script>",
        tags=[("need", "Anxiety")],
    )
    w.private = make_resource(author=w.author, school=w.home, title="My notes", visibility=Visibility.PRIVATE)
    return w


def test_library_lists_what_the_viewer_sees_and_filters_by_tag(client, world):
    client.force_login(world.partner_teacher)
    body = client.get(reverse("resources:library")).content.decode()
    assert "Fractions on a number line" in body
    assert "Calm-down corner" not in body
    assert "My notes" not in body
    client.force_login(world.maths_colleague)
    maths = world.shared.tags.get(name="Maths")
    body = client.get(reverse("resources:library"), {"tag": maths.pk}).content.decode()
    assert "Fractions on a number line" in body
    assert "Calm-down corner" not in body


def test_search_finds_by_title_word(client, world):
    client.force_login(world.maths_colleague)
    body = client.get(reverse("resources:library"), {"q": "fraction"}).content.decode()
    assert "Fractions on a number line" in body
    assert "Calm-down corner" not in body


@pytest.mark.parametrize("name", ["detail", "edit", "share", "version_new", "feedback"])
def test_a_teacher_at_a_non_partner_school_gets_404_on_every_page(client, world, name):
    client.force_login(world.stranger_teacher)
    assert client.get(reverse(f"resources:{name}", args=[world.shared.pk])).status_code == 404


def test_a_colleague_who_only_reads_cannot_open_the_edit_pages(client, world):
    client.force_login(world.maths_colleague)
    assert client.get(reverse("resources:detail", args=[world.shared.pk])).status_code == 200
    assert client.get(reverse("resources:edit", args=[world.shared.pk])).status_code == 404
    assert client.post(reverse("resources:delete", args=[world.shared.pk])).status_code == 404


def test_rich_text_is_sanitised_and_a_family_sees_only_what_is_published_to_them(client, world):
    client.force_login(world.parent)
    body = client.get(reverse("resources:detail", args=[world.strategy.pk])).content.decode()
    assert "Pick a quiet spot." in body
    assert "alert(1)" not in body
    assert client.get(reverse("resources:detail", args=[world.shared.pk])).status_code == 404


def test_create_refuses_a_file_that_only_claims_to_be_a_pdf_and_keeps_what_was_typed(client, world):
    client.force_login(world.author)
    response = client.post(
        reverse("resources:new"),
        {
            "school": world.home.pk,
            "title": "Times tables",
            "kind": "worksheet",
            "licence": "cc_by",
            "file": pdf(body=b"<html>not a pdf</html>"),
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "cannot be added" in body
    assert 'value="Times tables"' in body
    assert not Resource.objects.filter(title="Times tables").exists()


def test_versions_keep_the_old_file_and_downloads_check_access(client, world):
    client.force_login(world.author)
    response = client.post(
        reverse("resources:new"),
        {
            "school": world.home.pk,
            "title": "Times tables",
            "kind": "worksheet",
            "licence": "cc_by",
            "file": pdf("times.pdf"),
        },
    )
    resource = Resource.objects.get(title="Times tables")
    assert response.status_code == 302
    assert resource.status == Status.DRAFT
    response = client.post(
        reverse("resources:version_new", args=[resource.pk]),
        {"file": pdf("times-v2.pdf", PDF + b"%v2"), "change_note": "Answers added"},
    )
    assert response.status_code == 302
    body = client.get(reverse("resources:detail", args=[resource.pk])).content.decode()
    assert "Version 2: times-v2.pdf" in body
    assert "Answers added" in body
    assert "Version 1: times.pdf" in body
    first = resource.versions.get(number=1)
    download = client.get(reverse("resources:download", args=[resource.pk, first.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    # A draft: a colleague guessing the file's address gets 404.
    client.force_login(world.maths_colleague)
    assert client.get(reverse("resources:download", args=[resource.pk, first.pk])).status_code == 404


def test_a_new_version_needs_a_change_note(client, world):
    client.force_login(world.author)
    response = client.post(reverse("resources:version_new", args=[world.shared.pk]), {"file": pdf()})
    assert response.status_code == 422
    assert "Say what changed" in response.content.decode()


def test_a_copy_at_a_partner_school_shows_where_it_came_from(client, world):
    client.force_login(world.partner_teacher)
    response = client.post(reverse("resources:copy", args=[world.shared.pk]))
    copy = Resource.objects.get(copied_from=world.shared)
    assert response.status_code == 302
    assert copy.school == world.partner
    assert copy.visibility == Visibility.PRIVATE
    body = client.get(reverse("resources:detail", args=[copy.pk])).content.decode()
    assert "Copied from" in body
    assert "Fractions on a number line" in body
    assert "Riverside Primary" in body


def test_sharing_a_sensitive_resource_waits_in_the_leaders_queue(client, world):
    world.shared.sensitive = True
    world.shared.visibility = Visibility.SCHOOL
    world.shared.save()
    client.force_login(world.author)
    client.post(reverse("resources:share", args=[world.shared.pk]), {"action": "share", "visibility": "community"})
    client.force_login(world.stranger_teacher)
    assert client.get(reverse("resources:detail", args=[world.shared.pk])).status_code == 404
    force_verified_login(client, world.leader)  # leaders enrol a second factor
    queue = client.get(reverse("resources:approvals"))
    assert "Fractions on a number line" in queue.content.decode()
    approval = world.shared.approvals.get()
    client.post(reverse("resources:approvals"), {"approval": approval.pk, "decision": "approve"})
    client.force_login(world.stranger_teacher)
    assert client.get(reverse("resources:detail", args=[world.shared.pk])).status_code == 200
    # Teachers have no queue to open.
    assert client.get(reverse("resources:approvals")).status_code == 404


def test_a_family_says_a_strategy_helped_and_the_page_counts_families(client, world):
    client.force_login(world.parent)
    response = client.post(reverse("resources:feedback", args=[world.strategy.pk]), {"duration": "two_weeks"})
    assert response.status_code == 422
    assert "Say whether it helped" in response.content.decode()
    client.post(
        reverse("resources:feedback", args=[world.strategy.pk]),
        {"duration": "two_weeks", "outcome": "a_lot", "comment": "Bedtimes calmer", "pupil": world.child.pk},
    )
    # One answer per family: saying it again changes it.
    client.post(reverse("resources:feedback", args=[world.strategy.pk]), {"duration": "month", "outcome": "a_little"})
    assert world.strategy.feedback.count() == 1
    body = client.get(reverse("resources:detail", args=[world.strategy.pk])).content.decode()
    assert "Helped 1 of 1 family" in body


def test_reviews_one_per_person_with_the_average_shown(client, world):
    client.force_login(world.maths_colleague)
    client.post(reverse("resources:review", args=[world.shared.pk]), {"stars": 4, "text": "Clear"})
    client.post(reverse("resources:review", args=[world.shared.pk]), {"stars": 2})
    client.force_login(world.english_colleague)
    client.post(reverse("resources:review", args=[world.shared.pk]), {"stars": 5})
    world.shared.refresh_from_db()
    assert world.shared.rating_count == 2
    body = client.get(reverse("resources:detail", args=[world.shared.pk])).content.decode()
    assert "3.5 out of 5 from 2 reviews" in body


def test_the_author_sees_views_and_downloads_by_school_and_readers_do_not(client, world):
    version = world.shared.versions.create(
        number=1,
        file=SimpleUploadedFile("f.pdf", PDF),
        original_name="f.pdf",
        content_type="application/pdf",
        size=len(PDF),
        created_by=world.author,
    )
    for reader in (world.partner_teacher, world.partner_teacher, world.maths_colleague):
        client.force_login(reader)
        client.get(reverse("resources:detail", args=[world.shared.pk]))
    client.get(reverse("resources:download", args=[world.shared.pk, version.pk]))
    assert "Who uses it" not in client.get(reverse("resources:detail", args=[world.shared.pk])).content.decode()
    client.force_login(world.author)
    body = client.get(reverse("resources:detail", args=[world.shared.pk])).content.decode()
    table = body[body.index('id="uses"') :]
    # Most views first: Riverside's colleague twice and the author's own visit, then the partner's two.
    assert table.index("Riverside Primary") < table.index("Hillside Partner")
    rows = {row.school.name if row.school else None: row.count for row in world.shared.uses.filter(kind="view")}
    assert rows == {"Hillside Partner": 2, "Riverside Primary": 3}
    assert world.shared.uses.get(kind="download").count == 1
