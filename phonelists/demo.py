"""Demo data: a small list with a few bad lines, and one do-not-call number."""

from django.core.files.base import ContentFile

from . import services
from .models import DoNotCall, PhoneList

DEMO_NAME = "Demo: appointment reminders"
DEMO_DNC = "+972502345679"
DEMO_CSV = (
    "number,cli,dtmf_originator,first_name,clinic\r\n"
    "+972502345678,0723000000,w1#,Dana,Tel Aviv\r\n"
    "0502345679,0723000000,,Moshe,Haifa\r\n"
    "972544567890,0723000000,WW12x3,Olga,Jerusalem\r\n"
    "+14155552671,,,John,Remote\r\n"
    "0502345678,0723000000,,Dana again,Tel Aviv\r\n"
    "12345,0723000000,,Too short,Nowhere\r\n"
    "+999123456789,,,Unknown country,Nowhere\r\n"
    "hello,,,Not a number,Nowhere\r\n"
)


def load() -> str:
    services.add_do_not_call([DEMO_DNC], source=DoNotCall.Source.MANUAL, reason="Demo")
    phone_list = PhoneList.objects.filter(name=DEMO_NAME).first()
    if phone_list is None:
        upload = ContentFile(DEMO_CSV.encode(), name="appointment-reminders.csv")
        phone_list = services.upload_phone_list(name=DEMO_NAME, upload=upload, default_country="IL")
    if not phone_list.is_finished:
        # Import now so the demo shows a report even before a worker runs.
        services.run_phone_list_import(phone_list.pk)
        phone_list.refresh_from_db()
    return (
        f"phone lists: {DEMO_NAME!r} {phone_list.imported} imported, "
        f"{phone_list.rejected} rejected, {phone_list.duplicates} duplicates, "
        f"{phone_list.dnc} do-not-call"
    )
