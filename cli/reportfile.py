"""Reading a report of concern (a `kahu.v1.Report` in proto JSON) from a file, with a parse
error named by the field's path, as the services name it (`report.children[0].age_years`)."""

from __future__ import annotations

from cli import protofile
from kahu.v1 import common_pb2

#: The file cannot be read or is not a Report; the message names the field.
ReportFileError = protofile.ProtoFileError


def load(path: str) -> common_pb2.Report:
    """The report in `path` ("-" reads stdin)."""
    return protofile.load(path, common_pb2.Report(), root="report", allow_yaml=False)
