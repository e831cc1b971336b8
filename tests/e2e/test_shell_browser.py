from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in


def test_a_person_signs_in_and_sees_the_shell(page, live_server, admin_user, screenshot):
    page.goto(live_server.url)
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    sign_in(page, live_server, "ada", PASSWORD)

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Admin")).to_be_visible()
    expect(page.get_by_role("heading", name="Welcome, ada")).to_be_visible()
    expect(
        page.get_by_text("working (sqlite)").or_(page.get_by_text("working (postgresql)"))
    ).to_be_visible()
    # htmx came from django-htmx's static files and swaps our 422 and 409 answers.
    page.wait_for_function("typeof htmx !== 'undefined'")
    swapped = page.evaluate(
        "['422', '409'].map(c => htmx.config.responseHandling.some("
        "  r => r.code === c && r.swap === true && r.error === false))"
    )
    assert swapped == [True, True]
    screenshot(page, "shell-1280")

    page.set_viewport_size({"width": 800, "height": 1000})  # tablet width
    expect(nav).to_be_visible()
    screenshot(page, "shell-tablet")


def test_hebrew_turns_the_layout_right_to_left(page, live_server, viewer, screenshot):
    sign_in(page, live_server, "viv", PASSWORD)
    page.locator(".usermenu summary").click()
    page.get_by_label("Language").select_option("he")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # The user menu sits at the inline end: on the left in RTL.
    brand = page.locator(".brand").bounding_box()
    menu = page.locator(".usermenu").bounding_box()
    assert brand["x"] > menu["x"]
    screenshot(page, "shell-rtl")


def test_keyboard_users_can_skip_to_the_content(page, live_server, viewer):
    sign_in(page, live_server, "viv", PASSWORD)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
