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

step = "<int:pk>/steps/<int:index>/"
route = step + "routes/<int:route>/"
action = route + "actions/<int:number>/"

urlpatterns = [
    path("", flows_list.flow_list, name="list"),
    path("import/", flows_list.import_flow, name="import"),
    path("<int:pk>/", editor.editor, name="editor"),
    path("<int:pk>/duplicate/", flows_list.duplicate_flow, name="duplicate"),
    path("<int:pk>/delete/", flows_list.delete_flow, name="delete"),
    path("<int:pk>/export/", flows_list.export_flow, name="export"),
    path("<int:pk>/settings/", editor.settings, name="settings"),
    path("<int:pk>/variables/", editor.variables, name="variables"),
    path("<int:pk>/variables/<int:position>/", editor.variable, name="variable"),
    path(
        "<int:pk>/variables/<int:position>/delete/",
        editor.delete_variable,
        name="delete_variable",
    ),
    path("<int:pk>/steps/add/", steps.add_step, name="add_step"),
    path("<int:pk>/layout/tidy/", steps.tidy_layout, name="tidy"),
    path("<int:pk>/check-number/", actions.check_number, name="check_number"),
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
    path("<int:pk>/preview/", preview.preview, name="preview"),
    path("<int:pk>/simulator/", simulator.simulator, name="simulator"),
    path("<int:pk>/versions/", versions.versions, name="versions"),
    path("<int:pk>/publish/", versions.publish, name="publish"),
    path("<int:pk>/versions/<int:number>/revert/", versions.revert, name="revert"),
    path("recordings/", recordings.recording_list, name="recordings"),
    path("recordings/<int:pk>/audio/", recordings.audio, name="recording_audio"),
    path(
        "recordings/play/<path:name>",
        recordings.audio_by_name,
        name="recording_audio_by_name",
    ),
    path("recordings/<int:pk>/rename/", recordings.rename, name="recording_rename"),
    path("recordings/<int:pk>/delete/", recordings.delete, name="recording_delete"),
]
