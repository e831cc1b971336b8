"""Paycall Dynamic Dialer v2.1 emulator: /sandbox/paycall/v2/calls/<endpoint>.

The document names no error codes; this emulator answers
`{"status": "error", "error": "<CODE>", "message": "..."}` with the HTTP status
below (README, "Sandbox"), and `{"status": "ok", ...}` on success.
"""

import base64
import csv
import gzip
import hmac
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import PurePosixPath
from urllib.parse import unquote

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from dialer_site import jsonlimits
from flows.schemas import PAYCALL_DIALER_REQUEST, PAYCALL_SIMPLE_DIALER_REQUEST, validator

from ..models import LedgerCall, PaycallCampaign, PaycallRecording, Provider, SandboxAccount
from .common import (
    RepeatedRequest,
    checksum,
    delay_or_timeout,
    finish,
    forced_error,
    ip_allowed,
    new_id,
    record_calls,
    valid_e164,
    valid_number,
)

HTTP_STATUS = {
    "AUTHENTICATION_FAILED": 401,
    "IP_NOT_ALLOWED": 403,
    "CAMPAIGN_NOT_FOUND": 404,
    "NUMBER_NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "DUPLICATE_UNIQUE_ID": 409,
    "ALREADY_STARTED": 409,
    "NO_NUMBERS": 409,
    "UNSUPPORTED_FILE_TYPE": 415,
    "SERVER_ERROR": 500,
    "SERVICE_UNAVAILABLE": 503,
}
PHONE_LIST_MIME_TYPES = {
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".zip": "application/zip",
    ".gz": "application/gzip",
}
RECORDING_SUFFIXES = (".wav", ".mp3")
MAX_RETRIES_RANGE = (0, 10000)
# "If from_campaign is "true", the field is ignored": not even its form is checked.
IGNORED_FROM_CAMPAIGN = ("leg_a", "cid_a", "dtmf_a")
# Schema violations in words built from the schema alone: an error never echoes a
# value of the request (the bare validator messages quote the whole body).
SCHEMA_WORDING = {
    "additionalProperties": "has fields the document does not define: {unexpected}",
    "enum": "must be one of: {options}",
    "exclusiveMinimum": "must be more than {limit}",
    "maxItems": "may hold at most {limit} items",
    "maxLength": "may be at most {limit} characters long",
    "maxProperties": "may have at most {limit} fields",
    "maximum": "must be at most {limit}",
    "minItems": "must hold at least {limit} items",
    "minLength": "must be at least {limit} characters long",
    "minimum": "must be at least {limit}",
    "pattern": "must match {pattern}",
    "required": "needs the field {property}",
    "type": "must be of type {types}",
}
SCHEMA_FALLBACK = "does not have the form the document describes"
CDR_HEADER = (
    "cli",
    "phone_number",
    "start_time",
    "answer_time",
    "hangup_time",
    "duration",
    "billsec",
    "hangup_cause",
    "unique_campaign_id",
    "steps",
)


class PaycallError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def error_response(code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"status": "error", "error": code, "message": message}, status=HTTP_STATUS.get(code, 400)
    )


def authenticate(request) -> SandboxAccount:
    """HTTP Basic with URI-escaped user name and password (Paycall's rule of thumb)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        raise PaycallError("AUTHENTICATION_FAILED", "HTTP Basic authentication is required.")
    try:
        escaped_user, _, escaped_password = base64.b64decode(token).decode("ascii").partition(":")
    except (ValueError, UnicodeDecodeError):
        raise PaycallError(
            "AUTHENTICATION_FAILED", "The Authorization header is malformed."
        ) from None
    username, password = unquote(escaped_user), unquote(escaped_password)
    account = SandboxAccount.objects.filter(provider=Provider.PAYCALL, username=username).first()
    if account is None or not hmac.compare_digest(account.secret.encode(), password.encode()):
        raise PaycallError("AUTHENTICATION_FAILED", "Wrong user name or password.")
    if not ip_allowed(account, request):
        raise PaycallError("IP_NOT_ALLOWED", "This address is not in the account's whitelist.")
    return account


def endpoint(*methods: str):
    """Auth, fault knobs and error answers around one Paycall endpoint."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise PaycallError("METHOD_NOT_ALLOWED", f"Use {' or '.join(methods)}.")
                account = authenticate(request)
            except PaycallError as error:
                return error_response(error.code, error.message)
            delay_or_timeout(account)
            forced = forced_error(account)
            try:
                if forced:
                    raise PaycallError(forced, "Injected by the sandbox's fault knobs.")
                response = view(request, account, *args, **kwargs)
            except PaycallError as error:
                response = error_response(error.code, error.message)
            return finish(account, request, response, "application/json")

        return login_not_required(csrf_exempt(wrapper))

    return decorate


# -- validation helpers ------------------------------------------------------------
def read_json(request) -> dict:
    try:
        payload = jsonlimits.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise PaycallError("INVALID_JSON", f"The body is not JSON: {exc}.") from None
    if not isinstance(payload, dict):
        raise PaycallError("INVALID_JSON", "The body must be a JSON object.")
    return payload


def string_boolean(payload: dict, field: str, default: str = "false") -> bool:
    value = payload.get(field, default)
    if value not in ("true", "false"):
        raise PaycallError("INVALID_REQUEST", f'{field} must be the string "true" or "false".')
    return value == "true"


def check_number(value, field: str, *, strict_e164: bool = False) -> str:
    """The Dialer API's number "supports" E.164 and its examples dial local numbers;
    the Simple Dialer's legs are "using E.164 standard" (strict_e164)."""
    if value in (None, ""):
        raise PaycallError("NUMBER_MISSING", f"{field} is required and cannot be empty.")
    if strict_e164 and not valid_e164(str(value)):
        raise PaycallError(
            "INVALID_NUMBER", f"{field} is not an E.164 phone number ([+]<country code><number>)."
        )
    if not valid_number(str(value)):
        raise PaycallError("INVALID_NUMBER", f"{field} is not a phone number.")
    return str(value).strip()


def epoch(value, field: str) -> datetime | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        moment = datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        raise PaycallError("INVALID_SCHEDULE", f"{field} must be a Unix timestamp.") from None
    if moment <= timezone.now():
        raise PaycallError("SCHEDULE_IN_PAST", f"{field} must be in the future.")
    return moment


def schema_wording(kind) -> str:
    details = {
        name: ", ".join(map(str, value)) if isinstance(value, list) else value
        for name, value in kind.as_dict().items()
    }
    template = SCHEMA_WORDING.get(kind.name)
    return template.format(**details) if template else SCHEMA_FALLBACK


def schema_check(schema: str, payload: dict) -> None:
    first = next(iter(validator(schema).iter_errors(payload)), None)
    if first is not None:
        where = "/".join(str(part) for part in first.instance_path) or "request"
        raise PaycallError("INVALID_REQUEST", f"{where}: {schema_wording(first.kind)}.")


def check_key_ranges(ivr: dict) -> None:
    """Action API: a range runs from its smallest to its biggest DTMF, and a key taken
    out of a range for its own action must not be inside the range's min and max."""
    for step_index, step in enumerate(ivr["steps"]):
        routes = step.get("actions") or []
        singles = {
            int(route["key"]): index
            for index, route in enumerate(routes)
            if isinstance(route["key"], str) and route["key"].isdigit()
        }
        for index, route in enumerate(routes):
            if not isinstance(route["key"], dict):
                continue
            where = f"ivr/steps/{step_index}/actions/{index}/key"
            low, high = int(route["key"]["min"]), int(route["key"]["max"])
            if low > high:
                raise PaycallError("INVALID_KEY_RANGE", f"{where}: min is bigger than max.")
            inside = sorted(singles[key] for key in singles if low <= key <= high)
            if inside:
                raise PaycallError(
                    "INVALID_KEY_RANGE",
                    f"{where} includes the key of ivr/steps/{step_index}/actions/{inside[0]}, "
                    "which has its own action: the range must leave it out.",
                )


def recording_paths(ivr: dict) -> dict[str, str]:
    """{file name: where the request names it first}."""
    named = []
    for step_index, step in enumerate(ivr.get("steps") or []):
        where = f"ivr/steps/{step_index}"
        if step.get("prompt_is_file") == "true" and isinstance(step.get("prompt"), str):
            named.append((step["prompt"], f"{where}/prompt"))
        if step.get("dtmf_invalid_text_is_file") == "true" and isinstance(
            step.get("dtmf_ivr_invalid_text"), str
        ):
            named.append((step["dtmf_ivr_invalid_text"], f"{where}/dtmf_ivr_invalid_text"))
        for route_index, route in enumerate(step.get("actions") or []):
            for action_index, action in enumerate(route.get("actions") or []):
                params = action.get("params") or {}
                if action.get("action") == "play" and params.get("is_recording") == "true":
                    path = f"{where}/actions/{route_index}/actions/{action_index}/params/text"
                    named.append((params.get("text", ""), path))
    paths: dict[str, str] = {}
    for name, path in named:
        paths.setdefault(name, path)
    return paths


def check_recordings(account: SandboxAccount, paths: dict[str, str]) -> None:
    if not paths:
        return
    known = set(
        PaycallRecording.objects.filter(account=account, name__in=paths).values_list(
            "name", flat=True
        )
    )
    missing = sorted(path for name, path in paths.items() if name not in known)
    if missing:
        raise PaycallError(
            "RECORDING_NOT_FOUND",
            f"Not uploaded with the File Upload API: the file named at {', '.join(missing)}.",
        )


def create_campaign(account, unique_id: str, kind: str, payload: dict, start_at, numbers):
    if PaycallCampaign.objects.filter(account=account, unique_id=unique_id).exists():
        raise PaycallError("DUPLICATE_UNIQUE_ID", "A campaign with this unique_id already exists.")
    PaycallCampaign.objects.create(
        account=account,
        unique_id=unique_id,
        kind=kind,
        request=payload,
        start_at=start_at,
        numbers=numbers,
    )
    return JsonResponse({"status": "ok", "unique_id": unique_id, "message": "Campaign created."})


# -- endpoints ----------------------------------------------------------------------
@endpoint("POST")
def upload(request, account):
    files = request.FILES.getlist("recs[]")
    if not files:
        raise PaycallError("NO_FILES", "Send the recordings in the recs[] field.")
    for file in files:
        if not file.name.lower().endswith(RECORDING_SUFFIXES):
            raise PaycallError("UNSUPPORTED_RECORDING", "Recordings must be .wav or .mp3 files.")
    for file in files:
        PaycallRecording.objects.update_or_create(
            account=account,
            name=file.name,
            defaults={"size": file.size, "content_type": file.content_type or ""},
        )
    return JsonResponse({"status": "ok", "files": [file.name for file in files]})


@endpoint("POST")
def dialer(request, account):
    payload = read_json(request)
    if not payload.get("return_address"):
        raise PaycallError("RETURN_ADDRESS_MISSING", "return_address is required.")
    schedule_type = payload.get("schedule_type", "seconds")
    if schedule_type not in ("seconds", "timestamp"):
        raise PaycallError("INVALID_SCHEDULE", 'schedule_type must be "seconds" or "timestamp".')
    schedule = payload.get("schedule")
    start_at = None
    if schedule_type == "timestamp":
        if schedule in (None, ""):
            raise PaycallError("INVALID_SCHEDULE", "schedule is required with timestamp.")
        start_at = epoch(schedule, "schedule")
    elif schedule not in (None, ""):
        if not isinstance(schedule, int | float) or schedule < 0:
            raise PaycallError("INVALID_SCHEDULE", "schedule must be a number of seconds.")
        start_at = timezone.now() + timedelta(seconds=schedule)
    max_retries = payload.get("max_retries", 3)
    if not isinstance(max_retries, int) or not (
        MAX_RETRIES_RANGE[0] <= max_retries <= MAX_RETRIES_RANGE[1]
    ):
        raise PaycallError("INVALID_MAX_RETRIES", "max_retries must be between 0 and 10000.")
    ivr = payload.get("ivr")
    if not isinstance(ivr, dict) or not ivr.get("steps"):
        raise PaycallError("INVALID_IVR", "ivr must be an object with at least one step.")
    if not isinstance(ivr.get("count_steps"), int) or ivr["count_steps"] < 1:
        raise PaycallError("INVALID_IVR", "ivr.count_steps must be at least 1.")
    from_queue = string_boolean(payload, "numbers_from_queue")
    numbers = []
    checked = payload
    if from_queue:
        # "number: Applicable only if the field numbers_from_queue is set to "false"".
        checked = {field: value for field, value in payload.items() if field != "number"}
    else:
        numbers = [{"number": check_number(payload.get("number"), "number")}]
    schema_check(PAYCALL_DIALER_REQUEST, checked)
    check_key_ranges(ivr)
    check_recordings(account, recording_paths(ivr))
    unique_id = payload.get("unique_id") or new_id()
    return create_campaign(account, unique_id, "dialer", payload, start_at, numbers)


@endpoint("POST")
def simple_dialer(request, account):
    payload = read_json(request)
    start_at = epoch(payload.get("dial_at"), "dial_at")
    from_campaign = string_boolean(payload, "from_campaign")
    tts = string_boolean(payload, "tts", default="true")
    numbers = []
    checked = payload
    if from_campaign:
        checked = {
            field: value for field, value in payload.items() if field not in IGNORED_FROM_CAMPAIGN
        }
    else:
        leg_a = check_number(payload.get("leg_a"), "leg_a", strict_e164=True)
        numbers = [{"number": leg_a}]
    if payload.get("leg_b"):
        check_number(payload["leg_b"], "leg_b", strict_e164=True)
    if payload.get("gender", "female") not in ("male", "female"):
        raise PaycallError("INVALID_REQUEST", 'gender must be "male" or "female".')
    if not payload.get("sound"):
        raise PaycallError("INVALID_REQUEST", "sound is required.")
    schema_check(PAYCALL_SIMPLE_DIALER_REQUEST, checked)
    if not tts:
        check_recordings(account, {payload["sound"]: "sound"})
    unique_id = payload.get("unique_id") or new_id()
    return create_campaign(account, unique_id, "simple", payload, start_at, numbers)


def campaign_of(account, unique_id: str) -> PaycallCampaign:
    campaign = PaycallCampaign.objects.filter(account=account, unique_id=unique_id).first()
    if campaign is None:
        raise PaycallError("CAMPAIGN_NOT_FOUND", "No campaign has this unique_id.")
    return campaign


def phone_list_text(upload) -> str:
    name = upload.name.lower()
    if name.endswith((".tar.gz", ".tgz")):
        raise PaycallError("UNSUPPORTED_FILE_TYPE", "Tarballs (.tar.gz, .tgz) are not supported.")
    suffix = PurePosixPath(name).suffix
    expected = PHONE_LIST_MIME_TYPES.get(suffix)
    if expected is None:
        raise PaycallError("UNSUPPORTED_FILE_TYPE", "Send a .csv, .txt, .zip or .gz file.")
    given = (upload.content_type or "").split(";")[0].strip().lower()
    if given != expected:
        raise PaycallError("UNSUPPORTED_FILE_TYPE", f"A {suffix} file must be sent as {expected}.")
    data = upload.read()
    try:
        if suffix == ".zip":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [info for info in archive.infolist() if not info.is_dir()]
                if not members:
                    raise PaycallError("INVALID_NUMBERS_FILE", "The zip archive is empty.")
                data = archive.read(members[0])
        elif suffix == ".gz":
            data = gzip.decompress(data)
        return data.decode("utf-8-sig")
    except (zipfile.BadZipFile, OSError, EOFError):
        raise PaycallError("INVALID_NUMBERS_FILE", "The numbers file cannot be unpacked.") from None
    except UnicodeDecodeError:
        raise PaycallError("INVALID_NUMBERS_FILE", "The numbers file is not UTF-8 text.") from None


def parse_phone_lines(text: str) -> list[dict]:
    numbers = []
    for line, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        number = row[0].strip()
        if not valid_e164(number):
            raise PaycallError(
                "INVALID_NUMBERS_FILE", f"Line {line}: the number is not an E.164 phone number."
            )
        cli = row[1].strip() if len(row) > 1 else ""
        if cli and not valid_number(cli):
            raise PaycallError(
                "INVALID_NUMBERS_FILE", f"Line {line}: the cli is not a phone number."
            )
        dtmf = row[2].strip() if len(row) > 2 else ""
        numbers.append({"number": number, "cli": cli, "dtmf_originator": dtmf})
    return numbers


@endpoint("POST")
def upload_phones(request, account, unique_id: str):
    campaign = campaign_of(account, unique_id)
    upload_file = request.FILES.get("numbers")
    if upload_file is None:
        raise PaycallError("NUMBERS_FILE_MISSING", "Send the phone list in the numbers field.")
    numbers = parse_phone_lines(phone_list_text(upload_file))
    campaign.numbers = [*campaign.numbers, *numbers]
    campaign.save(update_fields=["numbers"])
    return JsonResponse({"status": "ok", "unique_id": unique_id, "count": len(numbers)})


def already_started() -> PaycallError:
    return PaycallError("ALREADY_STARTED", "This campaign was started already.")


@endpoint("POST")
def start_campaign(request, account, unique_id: str):
    campaign = campaign_of(account, unique_id)
    if campaign.started_at:
        raise already_started()
    if not campaign.numbers:
        raise PaycallError("NO_NUMBERS", "Upload phone numbers before starting this campaign.")
    default_cli = campaign.request.get("cli") or campaign.request.get("cid_a") or ""
    calls = [
        {
            "campaign_unique_id": unique_id,
            "number": entry["number"],
            "cli": entry.get("cli") or default_cli,
            "client_identifier": entry["number"],
        }
        for entry in campaign.numbers
    ]
    campaign.started_at = timezone.now()
    campaign.save(update_fields=["started_at"])
    try:
        record_calls(
            account=account,
            endpoint="paycall.start_campaign",
            body_checksum=checksum(unique_id.encode()),
            calls=calls,
        )
    except RepeatedRequest:
        raise already_started() from None
    return JsonResponse({"status": "ok", "unique_id": unique_id, "calls": len(calls)})


def cdr_csv(calls) -> HttpResponse:
    """CDRs as the document shows them: every field quoted, CRLF line ends."""
    out = io.StringIO()
    out.write(",".join(CDR_HEADER) + "\r\n")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for call in calls:
        writer.writerow(
            [
                call.cli,
                call.number,
                paycall_time(call.start_time),
                paycall_time(call.answer_time),
                paycall_time(call.hangup_time),
                call.duration,
                call.billsec,
                call.hangup_cause,
                call.campaign_unique_id,
                json.dumps(call.steps, ensure_ascii=False, separators=(",", ":")),
            ]
        )
    return HttpResponse(out.getvalue().encode(), content_type="text/csv; charset=utf-8")


def paycall_time(moment) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    offset = local.strftime("%z")
    suffix = offset[:3] if offset[3:] == "00" else f"{offset[:3]}:{offset[3:]}"
    return local.strftime("%Y-%m-%d %H:%M:%S") + suffix


def completed_calls(account, unique_id: str):
    return LedgerCall.objects.filter(
        account=account, campaign_unique_id=unique_id, state="completed"
    ).order_by("start_time", "pk")


@endpoint("GET")
def cdr_by_campaign(request, account, unique_id: str):
    campaign_of(account, unique_id)
    return cdr_csv(completed_calls(account, unique_id))


@endpoint("GET")
def cdr_by_number(request, account, unique_id: str, phone_number: str):
    campaign_of(account, unique_id)
    wanted = phone_number.lstrip("+")
    calls = [
        call for call in completed_calls(account, unique_id) if call.number.lstrip("+") == wanted
    ]
    if not calls:
        raise PaycallError("NUMBER_NOT_FOUND", "No CDR for this number in this campaign.")
    return cdr_csv(calls[-1:])
