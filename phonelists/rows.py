"""Validating a block of list lines: pure, no ORM, no Django, so blocks can go to
worker processes (the import uses both cores on big files) or run in-process.

A block is a list of (line number, line text). The answer holds the accepted rows
as tuples ready for the contacts table, and the rejected lines with their reason.
Dedupe and the do-not-call check need the whole list and happen in the parent.
"""

import csv
import json
import operator
from dataclasses import dataclass, field
from json.encoder import encode_basestring

from . import columns
from .numbers import NumberReader, clean_dtmf, normalise_number
from .reading import TOO_MANY_COLUMNS

REASON_BAD_CLI = "invalid caller ID (cli)"
REJECTED_CONTENT_CHARS = 500


@dataclass(frozen=True)
class ListRules:
    """What a block needs to know about its list (picklable)."""

    default_region: str | None
    mapping: tuple  # of (role, name); empty for a file without a header
    max_columns: int
    # The list's "well-formed E.164" number policy; False: valid for its region.
    well_formed: bool = False


@dataclass
class BlockResult:
    # (line number, E.164 number, cli, dtmf, alternates JSON, variables JSON)
    accepted: list = field(default_factory=list)
    # The accepted rows' lines as they were in the file, in the order of `accepted`
    # (the rejected-lines file shows them for duplicates and do-not-call numbers).
    accepted_lines: list = field(default_factory=list)
    # (line number, reason, the line as it was in the file)
    rejected: list = field(default_factory=list)
    dtmf_chars_dropped: int = 0


class _VariablesJson:
    """Contact variables as JSON text. The keys are the same on every row, so the
    object is a template with only the values encoded per row (json.dumps per row
    costs more than validating the phone number)."""

    def __init__(self, names: list[str]):
        self.template = "{" + ", ".join(f"{encode_basestring(n)}: %s" for n in names) + "}"
        self.empty = not names

    def __call__(self, values: tuple[str, ...]) -> str:
        if self.empty:
            return "{}"
        return self.template % tuple(encode_basestring(v) for v in values)


class BlockValidator:
    """Validates blocks for one list; keeps its memo of numbers between blocks."""

    def __init__(self, rules: ListRules):
        self.rules = rules
        self.read_number = NumberReader(rules.default_region, well_formed=rules.well_formed)
        self.cli_memo: dict = {}
        self._shapes: dict[int, tuple] = {}

    def _shape(self, width: int):
        """Row shape for a row of `width` cells. Without a header the doc's order
        applies and the extra columns are variables named 0, 1, ... (Paycall's $0$)."""
        key = width if not self.rules.mapping else -1
        shape = self._shapes.get(key)
        if shape is None:
            if self.rules.mapping:
                mapping = [{"role": role, "name": name} for role, name in self.rules.mapping]
            else:
                mapping = columns.positional_mapping(max(width, 3))
            row_shape = columns.RowShape(mapping)
            names = [name for _, name in row_shape.variables]
            indexes = [index for index, _ in row_shape.variables]
            # itemgetter of one index returns the item, not a 1-tuple.
            pick = (
                (lambda cells, i=indexes[0]: (cells[i],))
                if len(indexes) == 1
                else (operator.itemgetter(*indexes) if indexes else (lambda cells: ()))
            )
            shape = (row_shape, _VariablesJson(names), indexes, pick)
            self._shapes[key] = shape
        return shape

    def validate(self, block: list[tuple[int, str]]) -> BlockResult:
        result = BlockResult()
        accepted, rejected = result.accepted, result.rejected
        accepted_line = result.accepted_lines.append
        read_number = self.read_number
        max_columns = self.rules.max_columns
        for line_number, cells, line in _split(block):
            if isinstance(cells, csv.Error):
                rejected.append((line_number, f"unreadable line ({cells})", _content(line)))
                continue
            width = len(cells)
            if width > max_columns:
                rejected.append((line_number, TOO_MANY_COLUMNS, _content(line)))
                continue
            shape, variables_json, variable_indexes, pick_variables = self._shape(width)
            last_variable = variable_indexes[-1] if variable_indexes else -1
            verdict = read_number(cells[shape.number] if shape.number < width else "")
            if verdict.e164 is None:
                rejected.append((line_number, verdict.reason, _content(line)))
                continue
            cli = ""
            if shape.cli is not None and shape.cli < width:
                raw_cli = cells[shape.cli].strip()
                if raw_cli:
                    cli_verdict = self._cli(raw_cli, verdict.region)
                    if cli_verdict.e164 is None:
                        reason = f"{REASON_BAD_CLI}: {cli_verdict.reason}"
                        rejected.append((line_number, reason, _content(line)))
                        continue
                    cli = cli_verdict.e164
            dtmf = ""
            if shape.dtmf is not None and shape.dtmf < width:
                dtmf, dropped = clean_dtmf(cells[shape.dtmf])
                result.dtmf_chars_dropped += dropped
            alternates = "[]"
            if shape.alternates:
                found = []
                for index in shape.alternates:
                    if index < width and cells[index].strip():
                        alternate = read_number(cells[index]).e164
                        if alternate is not None and alternate != verdict.e164:
                            found.append(alternate)
                if found:
                    alternates = json.dumps(found)
            if width > last_variable:
                values = tuple(map(str.strip, pick_variables(cells)))
            else:
                values = tuple(cells[i].strip() if i < width else "" for i in variable_indexes)
            variables = variables_json(values)
            accepted.append((line_number, verdict.e164, cli, dtmf, alternates, variables))
            accepted_line(line)
        return result

    def _cli(self, raw: str, callee_region: str | None):
        key = (raw, callee_region)
        verdict = self.cli_memo.get(key)
        if verdict is None:
            # A caller ID without a country code is read in the callee's country. It must
            # be a possible number; it is shown, not dialled (see normalise_number).
            verdict = normalise_number(
                raw,
                callee_region or self.rules.default_region,
                possible_only=True,
                well_formed=self.rules.well_formed,
            )
            if len(self.cli_memo) < NumberReader.MEMO_LIMIT:
                self.cli_memo[key] = verdict
        return verdict


def _split(block: list[tuple[int, str]]):
    """(line number, cells, the line as in the file) for each row of the block, or
    (line number, csv.Error, line). A block without quotes is split on commas
    directly (three times faster than the csv module, and the same answer);
    otherwise the csv module reads it, quoted fields across lines included (their
    line is the record's lines joined)."""
    if not any('"' in text for _, text in block):
        for line_number, text in block:
            line = text.rstrip("\r\n")
            yield line_number, line.split(","), line
        return
    line_numbers = [number for number, _ in block]
    texts = [text for _, text in block]
    reader = csv.reader(texts)
    start = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            end = min(reader.line_num, len(line_numbers))
            yield line_numbers[end - 1], error, "".join(texts[start:end]).rstrip("\r\n")
            start = end
            continue
        end = reader.line_num
        yield line_numbers[end - 1], cells, "".join(texts[start:end]).rstrip("\r\n")
        start = end


def _content(line: str) -> str:
    return line[:REJECTED_CONTENT_CHARS]
