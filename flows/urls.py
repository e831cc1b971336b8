"""Page URLs of the flows app (mounted at /flows/ by dialer_site.urls)."""

from django.urls import path

from .views import (
    actions,
    editor,
    flows_list,
    preview,
    recordings,
    routes,
    simulator,
    steps,
    versions,
)

app_name = "flows"

step = "<id:pk>/steps/<id:index>/"
route = step + "routes/<id:route>/"
action = route + "actions/<id:number>/"

urlpatterns = [
    path("", flows_list.flow_list, name="list"),
    path("import/", flows_list.import_flow, name="import"),
    path("<id:pk>/", editor.editor, name="editor"),
    path("<id:pk>/duplicate/", flows_list.duplicate_flow, name="duplicate"),
    path("<id:pk>/delete/", flows_list.delete_flow, name="delete"),
    path("<id:pk>/export/", flows_list.export_flow, name="export"),
    path("<id:pk>/settings/", editor.settings, name="settings"),
    path("<id:pk>/variables/", editor.variables, name="variables"),
    path("<id:pk>/variables/<id:position>/", editor.variable, name="variable"),
    path(
        "<id:pk>/variables/<id:position>/delete/",
        editor.delete_variable,
        name="delete_variable",
    ),
    path("<id:pk>/steps/add/", steps.add_step, name="add_step"),
    path("<id:pk>/layout/tidy/", steps.tidy_layout, name="tidy"),
    path("<id:pk>/check-number/", actions.check_number, name="check_number"),
    path(step, steps.step, name="step"),
    path(step + "delete/", steps.delete_step, name="delete_step"),
    path(step + "move/", steps.move_step, name="move_step"),
    path(step + "keys/", steps.toggle_key, name="toggle_key"),
    path(step + "position/", steps.place_step, name="place_step"),
    path(step + "routes/add/", routes.add_route, name="add_route"),
    path(route + "delete/", routes.delete_route, name="delete_route"),
    path(route + "move/", routes.move_route, name="move_route"),
    path(route + "actions/add/", actions.add_action, name="add_action"),
    path(action, actions.action, name="action"),
    path(action + "delete/", actions.delete_action, name="delete_action"),
    path(action + "move/", actions.move_action, name="move_action"),
    path("<id:pk>/preview/", preview.preview, name="preview"),
    path("<id:pk>/simulator/", simulator.simulator, name="simulator"),
    path("<id:pk>/versions/", versions.versions, name="versions"),
    path("<id:pk>/publish/", versions.publish, name="publish"),
    path("<id:pk>/versions/<id:number>/revert/", versions.revert, name="revert"),
    path("recordings/", recordings.recording_list, name="recordings"),
    path("recordings/<id:pk>/audio/", recordings.audio, name="recording_audio"),
    path(
        "recordings/play/<path:name>",
        recordings.audio_by_name,
        name="recording_audio_by_name",
    ),
    path("recordings/<id:pk>/rename/", recordings.rename, name="recording_rename"),
    path("recordings/<id:pk>/delete/", recordings.delete, name="recording_delete"),
]
