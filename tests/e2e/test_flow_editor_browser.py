"""A person builds the seed's foo/bar IVR in the browser, from an empty flow, using
only the editor; breaks a goto and fixes it; simulates; publishes; exports."""

import json
import re
from pathlib import Path

from playwright.sync_api import expect

from flows import services
from flows.models import Flow
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

NODE_ERROR = re.compile(r"\bnode-error\b")
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "paycall" / "dialer_test.json"


def dialer_test() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def save_step(page, **fields):
    form = page.locator("#step-form")
    for name, value in fields.items():
        form.get_by_label(re.compile("^" + re.escape(name))).fill(value)
    form.get_by_role("button", name="Save step").click()
    expect(page.locator("#step-form .saved")).to_be_visible()


def label(text):
    """A field by the start of its label (a required field's label ends with *)."""
    return re.compile("^" + re.escape(text) + r"( \*)?$")


def add_route(page, key):
    routes = page.locator("#step-routes")
    count = routes.locator(".route").count()
    routes.get_by_label(label("Key")).fill(key)
    routes.get_by_role("button", name="Add key").click()
    expect(page.locator("#step-routes .route")).to_have_count(count + 1)


def add_action(page, route, kind, **fields):
    """Open "+ Add an action" under route number `route`, fill it, add it."""
    box = page.locator(f"#route-{route}")
    count = box.locator("ol.actions > li.action").count()
    box.locator(".add-action > summary").click()
    form = box.locator(".add-action form")
    form.get_by_label(label("Action")).select_option(label=kind)
    for name, value in fields.items():
        field = form.get_by_label(label(name))
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    form.get_by_role("button", name="Add action").click()
    expect(page.locator(f"#route-{route} ol.actions > li.action")).to_have_count(count + 1)


def press_key(page, key):
    button = page.locator("#step-keys .keypad").get_by_role("button", name=key, exact=True)
    button.click()
    expect(
        page.locator("#step-keys .keypad").get_by_role("button", name=key, exact=True)
    ).to_have_attribute("aria-pressed", "true")


def open_step(page, step_id):
    page.locator(f'#flow-map [data-step-id="{step_id}"]').click()
    expect(page.locator("#panel .step-panel")).to_have_attribute("data-step-id", step_id)


def test_a_person_builds_the_foo_bar_ivr_from_nothing(page, live_server, designer, screenshot):
    foo, bar = dialer_test()["ivr"]["steps"]
    sign_in(page, live_server, "dana", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Flows").click()
    new_flow = page.get_by_role("region", name="New flow")
    new_flow.get_by_label("Name").fill("Foo bar")
    new_flow.get_by_label("Language").select_option("he")
    new_flow.get_by_role("button", name="Create flow").click()
    page.wait_for_url(re.compile(r"/flows/\d+/$"))
    page.wait_for_load_state()
    expect(page.get_by_text("This flow has no steps yet.")).to_be_visible()
    page.get_by_role("button", name="Add the first step").click()
    expect(page.locator('#flow-map [data-step-id="step_1"]')).to_be_visible()

    # Step foo: name, voice, prompt, keys, timeout, wrong-key prompt, retries.
    page.locator("#step-form").get_by_label("Voice").select_option("female")
    page.locator("#step-form").get_by_text("On a wrong key the caller hears").click()
    save_step(
        page,
        **{
            "Step name": "foo",
            "Prompt": foo["prompt"],
            "Seconds to wait for a key": "1",
            "Tries before giving up": "10",
            "Wrong-key prompt": foo["dtmf_ivr_invalid_text"],
        },
    )
    expect(page.locator('#flow-map [data-step-id="foo"]')).to_be_visible()
    press_key(page, "1")
    page.locator("#step-keys").get_by_label("Longer key (e.g. 11)").fill("11")
    page.locator("#step-keys").get_by_role("button", name="Add / remove").click()
    expect(page.locator("#step-keys .key-chip")).to_have_count(2)
    press_key(page, "0")
    press_key(page, "4")
    expect(page.locator("#step-keys .key-chip")).to_have_text(["1", "11", "0", "4"])

    for key in ("11", "1", "4", "0"):
        add_route(page, key)
    add_action(page, 0, "Say something", Say="תודה שלחצת על אחד עשרה", Voice="Male")
    add_action(page, 0, "Wait", Seconds="0.5")
    add_action(page, 0, "Hang up")
    add_action(page, 1, "Go to a step", **{"Go to": "New step…", "New step's name": "bar"})
    add_action(page, 2, "Wait", Seconds="10")
    add_action(page, 3, "Say something", Say="מצאת את המקש הסודי")
    add_action(page, 3, "Wait", Seconds="3.5")
    add_action(page, 3, "Hang up")
    expect(page.locator('#flow-map [data-step-id="bar"]')).to_be_visible()
    screenshot(page, "flow-editor-foo-1280")

    # Step bar, opened from the map.
    open_step(page, "bar")
    page.locator("#step-form").get_by_label("Voice").select_option("male")
    page.locator("#step-form").get_by_text("On a wrong key the caller hears").click()
    save_step(
        page,
        **{
            "Prompt": bar["prompt"],
            "Seconds to wait for a key": "1",
            "Tries before giving up": "10",
            "Wrong-key prompt": bar["dtmf_ivr_invalid_text"],
        },
    )
    add_route(page, "1")
    add_route(page, "2")
    box = page.locator("#route-0")
    box.locator(".add-action > summary").click()
    form = box.locator(".add-action form")
    form.get_by_label(label("Action")).select_option(label="Call a number and connect")
    form.get_by_label("Number to call").press_sequentially("053000000", delay=20)
    # The number is checked while typing (a local number: a gentle warning).
    expect(form.locator(".number-check")).to_contain_text("international format")
    form.get_by_label("Caller ID shown").fill("054000000")
    form.get_by_label("Keys to send after the answer").fill("WWW111113")
    form.get_by_role("button", name="Add action").click()
    expect(page.locator("#route-0 li.action")).to_have_count(1)
    add_action(page, 1, "Hang up")
    expect(page.locator("#problems .problem-error")).to_have_count(0)

    # A goto to a step that is then deleted: the error shows at the goto.
    page.get_by_role("button", name="+ Add step").click()
    expect(page.locator('#flow-map [data-step-id="step_3"]')).to_be_visible()
    open_step(page, "foo")
    add_action(page, 2, "Go to a step", **{"Go to": "step_3"})
    open_step(page, "step_3")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete step").click()
    problem = page.locator("#problems .problem-error")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("step_3")
    expect(page.locator('#flow-map [data-step-id="foo"]')).to_have_class(NODE_ERROR)
    screenshot(page, "flow-editor-error-1280")
    problem.get_by_role("button").click()
    goto_field = page.locator("#id_a2-1-goto_step")
    expect(goto_field).to_be_focused()
    expect(goto_field.locator("option:checked")).to_have_text("step_3 (deleted step)")
    expect(page.locator("#route-2 .finding-error")).to_contain_text("step_3")
    page.locator("#route-2 li.action").nth(1).get_by_role("button", name="Delete action").click()
    expect(page.locator("#problems .problem-error")).to_have_count(0)
    expect(page.locator('#flow-map [data-step-id="foo"]')).not_to_have_class(NODE_ERROR)

    # Tablet width: the panel goes under the map.
    page.set_viewport_size({"width": 800, "height": 1000})
    screenshot(page, "flow-editor-tablet")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Simulate 1, then 1.
    page.get_by_role("link", name="Simulator").click()
    expect(page.get_by_role("link", name="Simulator")).to_have_attribute("aria-current", "page")
    transcript = page.locator(".transcript")
    expect(transcript).to_contain_text(foo["prompt"])
    page.locator(".sim-keypad").get_by_role("button", name="1", exact=True).click()
    expect(transcript).to_contain_text('Goes to step "bar".')
    expect(transcript).to_contain_text(bar["prompt"])
    page.locator(".sim-keypad").get_by_role("button", name="1", exact=True).click()
    expect(transcript).to_contain_text("Connects the caller to 053000000 (caller id 054000000)")
    expect(page.get_by_text("The call is over.")).to_be_visible()
    lines = transcript.locator("li .event-text").all_inner_texts()
    assert lines == [
        f"Says: {foo['prompt']}",
        "The caller presses 1.",
        'Goes to step "bar".',
        f"Says: {bar['prompt']}",
        "The caller presses 1.",
        "Connects the caller to 053000000 (caller id 054000000), then presses WWW111113.",
    ]
    screenshot(page, "flow-editor-simulator")

    # Publish with a note.
    page.get_by_role("link", name="Versions").click()
    page.get_by_label("What changed (for the version list)").fill("The seed's IVR")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published version 1.")).to_be_visible()

    # Export Paycall JSON with the fixture's general fields.
    flow = Flow.objects.get(name="Foo bar")
    page.goto(f"{live_server.url}/flows/{flow.pk}/export/")
    page.get_by_label("Unique id").fill(dialer_test()["unique_id"])
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Paycall JSON").click()
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported == dialer_test()


def test_a_hebrew_prompt_reads_right_to_left(page, live_server, designer, screenshot):
    flow, _ = services.import_flow(data=dialer_test(), user=designer, name="תזכורת תור")
    sign_in(page, live_server, "dana", PASSWORD)
    page.locator(".usermenu summary").click()
    page.get_by_label("Language").select_option("he")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.goto(f"{live_server.url}/flows/{flow.pk}/?step=0")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    prompt = page.locator("#id_prompt_text")
    prompt.fill("שלום, הקישו 1 לאישור התור")
    page.locator("#step-form button[type=submit]").click()
    expect(page.locator("#step-form .saved")).to_be_visible()
    prompt = page.locator("#id_prompt_text")
    expect(prompt).to_have_value("שלום, הקישו 1 לאישור התור")
    assert prompt.get_attribute("dir") == "auto"
    assert prompt.evaluate("e => getComputedStyle(e).direction") == "rtl"
    # The side panel sits at the inline start: on the left of the map in RTL.
    side = page.locator(".side").bounding_box()
    map_area = page.locator(".map-area").bounding_box()
    assert side["x"] < map_area["x"]
    expect(page.locator('#flow-map [data-step-id="foo"] .node-prompt')).to_contain_text("שלום")
    screenshot(page, "flow-editor-rtl")


def test_the_demo_flows_open_tidy(page, live_server, designer, screenshot):
    from flows import demo

    demo.load()
    sign_in(page, live_server, "dana", PASSWORD)
    for flow in Flow.objects.filter(name__startswith="Demo"):
        page.goto(f"{live_server.url}/flows/{flow.pk}/")
        nodes = page.locator("#flow-map .node")
        expect(nodes.first).to_be_visible()
        boxes = [nodes.nth(i).bounding_box() for i in range(nodes.count())]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                apart = (
                    a["x"] + a["width"] <= b["x"]
                    or b["x"] + b["width"] <= a["x"]
                    or a["y"] + a["height"] <= b["y"]
                    or b["y"] + b["height"] <= a["y"]
                )
                assert apart, f"nodes overlap in {flow.name}"
        screenshot(page, f"flow-editor-demo-{flow.pk}")


def test_the_map_drags_zooms_and_opens_steps_from_the_keyboard(
    page, live_server, designer, screenshot
):
    flow, _ = services.import_flow(data=dialer_test(), user=designer, name="Map")
    sign_in(page, live_server, "dana", PASSWORD)
    page.goto(f"{live_server.url}/flows/{flow.pk}/")
    page.wait_for_load_state()

    svg = page.locator("#flow-map svg")
    before = svg.get_attribute("viewBox")
    page.get_by_role("button", name="Zoom in").click()
    assert svg.get_attribute("viewBox") != before

    bar = page.locator('#flow-map [data-step-id="bar"]')
    x_before = float(bar.get_attribute("data-x"))
    revision = page.locator("#draft-revision").get_attribute("value")
    box = bar.locator(".node-box").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] - 60, box["y"] + 60, steps=8)
    page.mouse.up()
    expect(page.locator("#draft-revision")).not_to_have_attribute("value", revision)
    # Dropping is not clicking: the panel did not open.
    expect(page.locator("#panel .step-panel")).to_have_count(0)
    page.reload()
    moved = float(page.locator('#flow-map [data-step-id="bar"]').get_attribute("data-x"))
    assert moved < x_before - 20

    # Keyboard: Tab to a node, Enter opens its editor.
    foo = page.locator('#flow-map [data-step-id="foo"]')
    foo.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#panel .step-panel")).to_have_attribute("data-step-id", "foo")

    # A variable, inserted into the prompt as $name$ at the cursor.
    page.get_by_role("button", name="Variables").click()
    page.locator("#panel").get_by_label(label("Name")).fill("first_name")
    page.get_by_role("button", name="Add variable").click()
    expect(page.locator("#panel legend", has_text="$first_name$")).to_be_visible()
    foo.click()
    prompt = page.locator("#id_prompt_text")
    prompt.fill("Hello ")
    page.get_by_role("button", name="$first_name$").click()
    expect(prompt).to_have_value("Hello $first_name$")
    page.locator("#step-form").get_by_role("button", name="Save step").click()
    expect(page.locator("#step-form .var-chip")).to_have_text("$first_name$")
    screenshot(page, "flow-editor-variables")


def test_recordings_upload_listen_and_refuse_deleting_one_in_use(
    page, live_server, designer, screenshot
):
    from tests.integration.flow_editor.test_flow_editor_pages import wav_bytes

    sign_in(page, live_server, "dana", PASSWORD)
    page.goto(f"{live_server.url}/flows/recordings/")
    page.wait_for_load_state()
    page.locator(".drop-zone input[type=file]").set_input_files(
        {"name": "welcome.wav", "mimeType": "audio/wav", "buffer": wav_bytes()}
    )
    expect(page.locator(".drop-file")).to_have_text("welcome.wav")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text('Uploaded "welcome.wav".')).to_be_visible()
    expect(page.get_by_label("Listen to welcome.wav")).to_be_attached()

    flow, _ = services.import_flow(data=dialer_test(), user=designer, name="With a recording")
    page.goto(f"{live_server.url}/flows/{flow.pk}/?step=0")
    page.wait_for_load_state()
    prompt = page.get_by_role("group", name="The caller hears")
    prompt.get_by_label("Recording", exact=True).check()
    prompt.get_by_label("Recording to play").select_option("welcome.wav")
    page.locator("#step-form").get_by_role("button", name="Save step").click()
    expect(page.locator("#step-form .saved")).to_be_visible()
    expect(page.locator('#flow-map [data-step-id="foo"] .node-prompt')).to_have_text(
        "♪ welcome.wav"
    )

    page.goto(f"{live_server.url}/flows/recordings/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("is used by")).to_be_visible()
    screenshot(page, "flow-editor-recordings")
