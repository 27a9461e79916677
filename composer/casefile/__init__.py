"""Case files: the record schema, signed export, verification, reproduction and signing.

Import the modules themselves (`composer.casefile.export`, `.verify`, `.reproduce`, ...). Session
persistence (steps, codec, recovery folder) lives below, in `composer.record`; the one module here
that imports Qt is `report_pdf`, and only `export` calls it, when it draws a report.
"""
