"""Featured collections from the reader's side: who sees a collection (its audience; another
school's answers 404), which items they see (only those they may open, decided at read: an item
made private later disappears), who curates (leaders and SENDCOs of the school, platform staff for
the community; a teacher, or a leader who lost the role, cannot), ordering and the audit, and the
library and collection pages' query counts at two sizes."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import AuditEntry, Membership, Role, TOTPDevice
from accounts.policies import requires_two_factor
from resources import services as resource_services
from resources.collections import services
from resources.collections.policies import access_collection, collections_visible_to
from resources.collections.selectors import collection_page, featured_for
from resources.models import Audience, Collection, Kind, Visibility
from tests import factories
from tests.conftest import force_verified_login
from tests.resources.world import _staff, build_world, make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_world()
    w.sendco = _staff(w.home, role=Role.SENDCO, display_name="Sam Sendco")
    w.platform = factories.UserFactory(is_staff=True, display_name="Homeroom Team")
    w.platform.user_permissions.add(Permission.objects.get(codename="curate_community_collections"))
    w.worksheet = make_resource(author=w.author, school=w.home, title="Number bonds to ten")
    w.strategy = make_resource(
        author=w.author,
        school=w.home,
        title="Paired reading at bedtime",
        kind=Kind.HOME_STRATEGY,
        published_to_families=True,
    )
    w.shared = make_resource(
        author=w.stranger_teacher, school=w.stranger, title="Times tables songs", visibility=Visibility.COMMUNITY
    )
    return w


def _collection(world, audience=Audience.STAFF, curator=None, school=None, title="Getting started", items=()):
    curator = curator or world.leader
    school = None if audience == Audience.COMMUNITY else (school or world.home)
    collection = services.collection_create(user=curator, school=school, audience=audience, title=title)
    for resource in items:
        services.collection_item_add(user=curator, collection=collection, resource=resource)
    return collection


def _login(client, user) -> None:
    """Signed in, past the second factor where the role needs one (leaders, SENDCOs)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and requires_two_factor(user):
        force_verified_login(client, user)
        return
    client.force_login(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def _sees(user, collection) -> bool:
    return collections_visible_to(user).filter(pk=collection.pk).exists()


def _titles(user, collection) -> list[str]:
    return [entry.resource.title for entry in collection_page(user=user, collection=collection).entries]


# --- who sees a collection ----------------------------------------------------------------------


def test_a_staff_collection_reaches_the_schools_staff_only(world):
    collection = _collection(world, items=[world.worksheet])
    assert _sees(world.author, collection)
    assert _sees(world.english_colleague, collection)
    for outsider in (world.partner_teacher, world.stranger_teacher, world.parent, world.nobody, world.platform):
        assert not _sees(outsider, collection)


def test_a_families_collection_reaches_the_schools_families_and_staff(world):
    collection = _collection(world, audience=Audience.FAMILIES, items=[world.strategy])
    assert _sees(world.parent, collection)
    assert _sees(world.maths_colleague, collection)
    for outsider in (world.far_parent, world.stranger_teacher, world.partner_teacher, world.nobody):
        assert not _sees(outsider, collection)


def test_a_community_collection_reaches_every_schools_staff_not_families(world):
    collection = _collection(world, audience=Audience.COMMUNITY, curator=world.platform, items=[world.shared])
    assert collection.school is None
    for reader in (world.author, world.stranger_teacher, world.partner_teacher, world.platform):
        assert _sees(reader, collection)
    for outsider in (world.parent, world.far_parent, world.nobody):
        assert not _sees(outsider, collection)


def test_another_schools_collection_is_404_for_outsiders(client, world):
    collection = _collection(world, items=[world.worksheet])
    for outsider in (world.stranger_teacher, world.stranger_leader, world.parent):
        _login(client, outsider)
        for name in ("resources:collection", "resources:collection_edit", "resources:collection_items"):
            assert client.get(reverse(name, args=[collection.pk])).status_code == 404
    _login(client, world.stranger_leader)
    assert client.post(reverse("resources:collection_delete", args=[collection.pk])).status_code == 404
    item = collection.items.get()
    url = reverse("resources:collection_item_move", args=[collection.pk, item.pk])
    assert client.post(url, {"direction": "up"}).status_code == 404
    assert Collection.objects.get(pk=collection.pk).deleted_at is None


def test_a_deleted_collection_is_404(world):
    collection = _collection(world)
    services.collection_delete(user=world.leader, collection=collection)
    with pytest.raises(Http404):
        access_collection(user=world.author, collection_id=collection.pk)


# --- which items a reader sees ------------------------------------------------------------------


def test_an_item_made_private_disappears_for_everyone_else(client, world):
    collection = _collection(world, items=[world.worksheet, world.shared])
    assert _titles(world.english_colleague, collection) == ["Number bonds to ten", "Times tables songs"]
    resource_services.resource_share(
        user=world.author, resource=world.worksheet, visibility=Visibility.PRIVATE, published_to_families=False
    )
    assert _titles(world.english_colleague, collection) == ["Times tables songs"]
    assert _titles(world.author, collection) == ["Number bonds to ten", "Times tables songs"]
    _login(client, world.english_colleague)
    body = client.get(reverse("resources:collection", args=[collection.pk])).content.decode()
    assert "Times tables songs" in body
    assert "Number bonds to ten" not in body
    # The editor still sees the row, to take it out, without its title.
    page = collection_page(user=world.leader, collection=collection)
    assert [entry.resource is None for entry in page.entries] == [True, False]


def test_families_see_only_the_items_published_to_them(world):
    collection = _collection(world, audience=Audience.FAMILIES, items=[world.worksheet, world.strategy])
    assert _titles(world.parent, collection) == ["Paired reading at bedtime"]
    # The editor is warned that the worksheet does not reach the families.
    page = collection_page(user=world.leader, collection=collection)
    assert [entry.reaches_audience for entry in page.entries] == [False, True]


def test_a_deleted_resource_leaves_the_collection(world):
    collection = _collection(world, items=[world.worksheet, world.strategy])
    resource_services.resource_delete(user=world.author, resource=world.worksheet)
    assert _titles(world.maths_colleague, collection) == ["Paired reading at bedtime"]


# --- who curates --------------------------------------------------------------------------------


def test_leaders_and_sendcos_curate_their_schools_collections(world):
    by_sendco = _collection(world, curator=world.sendco, items=[world.worksheet])
    services.collection_item_add(user=world.leader, collection=by_sendco, resource=world.strategy)
    assert _titles(world.author, by_sendco) == ["Number bonds to ten", "Paired reading at bedtime"]


def test_a_teacher_cannot_curate(client, world):
    with pytest.raises(PermissionDenied):
        services.collection_create(user=world.author, school=world.home, audience=Audience.STAFF, title="Mine")
    collection = _collection(world, items=[world.worksheet])
    with pytest.raises(PermissionDenied):
        services.collection_item_add(user=world.author, collection=collection, resource=world.strategy)
    with pytest.raises(PermissionDenied):
        services.collection_update(user=world.author, collection=collection, title="Taken over")
    _login(client, world.author)
    assert client.get(reverse("resources:collection_new")).status_code == 404
    assert client.get(reverse("resources:collection_edit", args=[collection.pk])).status_code == 404
    url = reverse("resources:collection_items", args=[collection.pk])
    assert client.post(url, {"resource": world.strategy.pk}).status_code == 404
    assert collection.items.count() == 1
    # The reader's page offers no editing.
    body = client.get(reverse("resources:collection", args=[collection.pk])).content.decode()
    assert reverse("resources:collection_items", args=[collection.pk]) not in body


@pytest.mark.parametrize("change", ["deactivated", "demoted"])
def test_a_leader_who_lost_the_role_cannot_curate(client, world, change):
    collection = _collection(world, items=[world.worksheet])
    membership = Membership.objects.get(user=world.leader, school=world.home)
    if change == "deactivated":
        membership.is_active = False
        membership.save(update_fields=["is_active"])
    else:
        membership.role = Role.TEACHER
        membership.save(update_fields=["role"])
    with pytest.raises(PermissionDenied):
        services.collection_item_add(user=world.leader, collection=collection, resource=world.strategy)
    with pytest.raises(PermissionDenied):
        services.collection_create(user=world.leader, school=world.home, audience=Audience.STAFF, title="Again")
    _login(client, world.leader)
    item = collection.items.get()
    url = reverse("resources:collection_item_remove", args=[collection.pk, item.pk])
    assert client.post(url).status_code == 404
    assert collection.items.count() == 1


def test_only_platform_staff_curate_community_collections(world):
    with pytest.raises(PermissionDenied):
        services.collection_create(user=world.leader, school=None, audience=Audience.COMMUNITY, title="For all")
    with pytest.raises(services.CollectionRefused):
        services.collection_create(user=world.leader, school=world.home, audience=Audience.COMMUNITY, title="Mixed")
    collection = _collection(world, audience=Audience.COMMUNITY, curator=world.platform)
    with pytest.raises(PermissionDenied):
        services.collection_item_add(user=world.leader, collection=collection, resource=world.shared)


def test_a_school_office_with_django_admin_access_is_not_platform_staff(world):
    office = factories.UserFactory(is_staff=True)
    with pytest.raises(PermissionDenied):
        services.collection_create(user=office, school=None, audience=Audience.COMMUNITY, title="For all")
    collection = _collection(world, audience=Audience.COMMUNITY, curator=world.platform)
    assert not _sees(office, collection)  # no school role, no permission: not the community's staff
    factories.MembershipFactory(user=office, school=world.stranger, role=Role.SCHOOL_ADMIN)
    assert _sees(office, collection)
    with pytest.raises(PermissionDenied):
        services.collection_item_add(user=office, collection=collection, resource=world.shared)


def test_a_leader_cannot_curate_another_schools_collection(world):
    collection = _collection(world)
    with pytest.raises(PermissionDenied):
        services.collection_item_add(user=world.stranger_leader, collection=collection, resource=world.shared)
    with pytest.raises(PermissionDenied):
        services.collection_create(user=world.leader, school=world.stranger, audience=Audience.STAFF, title="Theirs")


# --- ordering and the audit ---------------------------------------------------------------------


def test_editors_add_reorder_and_take_out_items_and_every_change_is_audited(world):
    collection = _collection(world, items=[world.worksheet, world.strategy, world.shared])
    third = collection.items.get(resource=world.shared)
    services.collection_item_move(user=world.leader, collection=collection, item=third, direction="up")
    assert _titles(world.author, collection) == [
        "Number bonds to ten",
        "Times tables songs",
        "Paired reading at bedtime",
    ]
    first = collection.items.get(resource=world.worksheet)
    services.collection_item_move(user=world.leader, collection=collection, item=first, direction="up")  # at the top
    services.collection_item_move(user=world.leader, collection=collection, item=first, direction="down")
    assert _titles(world.author, collection) == [
        "Times tables songs",
        "Number bonds to ten",
        "Paired reading at bedtime",
    ]
    services.collection_item_remove(user=world.sendco, collection=collection, item=first)
    assert _titles(world.author, collection) == ["Times tables songs", "Paired reading at bedtime"]
    with pytest.raises(services.CollectionRefused):
        services.collection_item_add(user=world.leader, collection=collection, resource=world.strategy)
    actions = list(
        AuditEntry.objects.filter(target_type="resources.collection", target_id=str(collection.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "collection.created",
        *["collection.item_added"] * 3,
        *["collection.item_moved"] * 2,
        "collection.item_removed",
    ]


def test_editing_through_the_pages_without_javascript(client, world):
    _login(client, world.leader)
    response = client.post(
        reverse("resources:collection_new"),
        {
            "title": "Reading at home",
            "introduction": "Start here.",
            "audience": "families",
            "school": world.home.pk,
            "featured": "on",
        },
    )
    collection = Collection.objects.get(title="Reading at home")
    assert response.status_code == 302
    assert collection.audience == Audience.FAMILIES
    assert collection.school == world.home
    items_url = reverse("resources:collection_items", args=[collection.pk])
    found = client.get(items_url, {"q": "reading"}).content.decode()
    assert "Paired reading at bedtime" in found
    assert client.post(items_url, {"resource": world.strategy.pk, "q": "reading"}).status_code == 302
    assert client.post(items_url, {"resource": world.worksheet.pk}).status_code == 302
    # A resource the editor cannot open cannot be added by guessing its id.
    hidden = make_resource(author=world.stranger_teacher, school=world.stranger, title="Farschool only")
    assert client.post(items_url, {"resource": hidden.pk}).status_code == 404
    second = collection.items.get(resource=world.worksheet)
    client.post(reverse("resources:collection_item_move", args=[collection.pk, second.pk]), {"direction": "up"})
    assert [item.resource_id for item in collection.items.order_by("position")] == [
        world.worksheet.pk,
        world.strategy.pk,
    ]
    response = client.post(
        reverse("resources:collection_edit", args=[collection.pk]),
        {"title": "Reading together", "introduction": "", "audience": "staff"},
    )
    assert response.status_code == 302
    collection.refresh_from_db()
    assert (collection.title, collection.audience, collection.featured) == ("Reading together", Audience.STAFF, False)
    # A school's collection cannot become the community's.
    response = client.post(
        reverse("resources:collection_edit", args=[collection.pk]), {"title": "X", "audience": "community"}
    )
    assert response.status_code == 422
    client.post(reverse("resources:collection_delete", args=[collection.pk]))
    assert client.get(reverse("resources:collection", args=[collection.pk])).status_code == 404


def test_the_same_form_sent_twice_makes_one_collection(client, world):
    _login(client, world.sendco)
    form = {"title": "Calm at home", "audience": "families", "school": world.home.pk, "client_key": "k" * 20}
    first = client.post(reverse("resources:collection_new"), form)
    second = client.post(reverse("resources:collection_new"), form)
    assert first["Location"] == second["Location"]
    assert Collection.objects.filter(title="Calm at home").count() == 1


def test_the_library_shows_the_featured_collections_the_reader_sees(client, world):
    _collection(world, title="Maths to start the year", items=[world.worksheet])
    _collection(world, audience=Audience.FAMILIES, title="Reading at home", items=[world.strategy])
    empty_for_families = _collection(
        world, audience=Audience.FAMILIES, title="Staff worksheets", items=[world.worksheet]
    )
    assert [entry.collection.title for entry in featured_for(user=world.parent)] == ["Reading at home"]
    _login(client, world.parent)
    body = client.get(reverse("resources:library")).content.decode()
    assert "Reading at home" in body
    assert "Maths to start the year" not in body
    assert empty_for_families.title not in body  # nothing in it the family may open
    _login(client, world.stranger_teacher)
    body = client.get(reverse("resources:library")).content.decode()
    assert "Reading at home" not in body
    assert "Maths to start the year" not in body
    _login(client, world.maths_colleague)
    body = client.get(reverse("resources:library")).content.decode()
    assert "Featured collections" in body
    assert "Maths to start the year" in body


# --- query counts -------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _grow(world, count: int) -> None:
    for n in range(count):
        collection = _collection(world, audience=Audience.FAMILIES if n % 2 else Audience.STAFF, title=f"Set {n}")
        for m in range(3):
            resource = make_resource(
                author=world.author, school=world.home, title=f"Sheet {n}-{m}", published_to_families=True
            )
            services.collection_item_add(user=world.leader, collection=collection, resource=resource)


@pytest.mark.parametrize("reader", ["maths_colleague", "parent"])
def test_the_library_page_with_collections_costs_the_same_at_two_sizes(client, world, reader):
    _grow(world, 2)
    _login(client, getattr(world, reader))
    url = reverse("resources:library")
    small = _queries(client, url)
    _grow(world, 12)
    assert _queries(client, url) == small


@pytest.mark.parametrize("reader", ["maths_colleague", "leader"])
def test_the_collection_page_costs_the_same_at_two_sizes(client, world, reader):
    collection = _collection(world, items=[world.worksheet])
    _login(client, getattr(world, reader))
    url = reverse("resources:collection", args=[collection.pk])
    small = _queries(client, url)
    for n in range(15):
        resource = make_resource(author=world.author, school=world.home, title=f"Extra {n}")
        services.collection_item_add(user=world.leader, collection=collection, resource=resource)
    assert _queries(client, url) == small
    assert _queries(client, reverse("resources:collections")) == _queries(client, reverse("resources:collections"))
