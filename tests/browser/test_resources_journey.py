"""The resource library in Chromium: a teacher uploads a home strategy whose picture lacks alt
text, sees the accessibility warning, fixes it and publishes to families; a Spanish-speaking
parent (on a 360 px phone) finds it by search, reads it in Spanish and says it helped. axe-clean
on every page."""

import pytest
from playwright.sync_api import expect

from resources.discovery import embeddings
from resources.models import Outcome, Resource, StrategyFeedback
from tests.browser.axe import assert_accessible
from tests.resources.world import build_world

PHONE = {"width": 360, "height": 740}
BODY = '<p>Read with your child every night before bed.</p><img src="/static/missing.png">'


@pytest.fixture
def world(transactional_db):
    w = build_world()
    w.parent.preferred_language = "es"
    w.parent.save(update_fields=["preferred_language"])
    # Celery runs eagerly here, so saving a resource computes its vector inside the request: load
    # the model now, or its first load (torch and the weights, 15 s or more on a busy machine)
    # lands in the click that saves the strategy and outlasts the wait for the next page.
    if embeddings.available():
        embeddings.model()
    return w


def test_a_teacher_fixes_alt_text_and_publishes_and_a_spanish_parent_reads_it_and_says_it_helped(
    world, page, new_context, sign_in, live_url
):
    sign_in(world.author, page)
    page.goto(f"{live_url}/resources/new/")
    assert_accessible(page)
    page.fill("input[name=title]", "Bedtime reading together")
    page.select_option("select[name=kind]", "home_strategy")
    page.fill("textarea[name=body]", BODY)
    with page.expect_navigation():
        page.locator("form[enctype] button[type=submit]").click()
    strategy = Resource.objects.get(title="Bedtime reading together")
    warning = page.locator("#accessibility-findings")
    expect(warning).to_contain_text("no alternative text")
    expect(warning).to_contain_text("Add alt text")
    # The author's own text has the very fault the warning names: axe checks the rest of the page.
    assert_accessible(page, exclude=[".homeroom-rich-text"])

    # Fix it on the edit page, where the warning is shown too.
    page.goto(f"{live_url}/resources/{strategy.pk}/edit/")
    expect(page.locator("#accessibility-findings")).to_be_visible()
    assert_accessible(page)
    page.fill("textarea[name=body]", BODY.replace("<img ", '<img alt="A parent and child reading in bed" '))
    with page.expect_navigation():
        page.locator("form[enctype] button[type=submit]").click()
    expect(page.locator("#accessibility-findings")).to_have_count(0)

    # Publish to families: no open findings, so no "Publish anyway".
    page.goto(f"{live_url}/resources/{strategy.pk}/share/")
    assert_accessible(page)
    page.check("input[name=visibility][value=school]")
    page.check("input[name=published_to_families]")
    with page.expect_navigation():
        page.locator("form:has(input[name=action][value=share]) button[type=submit]").click()
    strategy.refresh_from_db()
    assert strategy.published_to_families

    # A Spanish-speaking parent on a phone finds it by search.
    phone = new_context(viewport=dict(PHONE), locale="es-ES").new_page()
    sign_in(world.parent, phone)
    phone.goto(f"{live_url}/resources/?q=bedtime")
    assert_accessible(phone)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    with phone.expect_navigation():
        phone.locator(f"a[href='/resources/{strategy.pk}/']").first.click()
    # The first visit asks the translation job; the page shows Spanish once it is stored.
    phone.reload()
    translated = phone.locator(".homeroom-rich-text[lang=es]")
    expect(translated).to_contain_text("niño")
    expect(phone.locator("#machine-translated a[href='?original=1']")).to_be_visible()
    assert_accessible(phone)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    # It helped.
    phone.goto(f"{live_url}/resources/{strategy.pk}/feedback/")
    assert_accessible(phone)
    phone.check("input[name=duration][value=two_weeks]")
    phone.check(f"input[name=outcome][value={Outcome.A_LOT}]")
    with phone.expect_navigation():
        phone.locator("form:has(input[name=outcome]) button[type=submit]").click()
    assert StrategyFeedback.objects.get(resource=strategy, family=world.parent).outcome == Outcome.A_LOT
