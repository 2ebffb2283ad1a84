"""Serving a file someone uploaded, after the caller's access check, so it never runs on our origin.

The type was sniffed from the file's first bytes when it was uploaded; the name the uploader gave
it (say `photo.html`) never decides how a browser treats it. Only images and PDFs open in the
browser; anything else downloads. nosniff and a sandboxing policy keep even a crafted file from
running script on our origin.
"""

from django.http import FileResponse

# Types a browser may show in place; every other type is downloaded.
INLINE_TYPES = ("image/", "application/pdf")


def uploaded_file_response(file, *, content_type: str, filename: str) -> FileResponse:
    """`file` (a FieldFile) answered with its sniffed `content_type`, as `filename`."""
    response = FileResponse(
        file.open("rb"),
        content_type=content_type,
        as_attachment=not content_type.startswith(INLINE_TYPES),
        filename=filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response
