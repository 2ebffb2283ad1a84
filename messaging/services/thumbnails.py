"""Small previews of photos sent in conversations, made on the server with Pillow.

A thumbnail is a JPEG no larger than THUMBNAIL_BOX, stored under a random name beside the
original (`Attachment.thumbnail`) and served only through the access-checked attachment view.
It is made the first time a page asks for it, so sending costs nothing more and an attachment
from before thumbnails existed gets one too.
"""

import io
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from messaging.models import Attachment

log = logging.getLogger(__name__)

# Big enough for a 2× phone screen at 160 CSS pixels, small enough for a slow connection (~10 KB).
THUMBNAIL_BOX = (320, 320)
THUMBNAIL_QUALITY = 70


def attachment_thumbnail(*, attachment: Attachment) -> Attachment | None:
    """`attachment` with its thumbnail made (if it was not yet), or None when it is not a photo
    or cannot be read as one (a corrupt file, or one so large it could be a decompression bomb:
    Pillow refuses those, and the attachment is then only offered as a download)."""
    if not attachment.is_photo:
        return None
    if attachment.thumbnail:
        return attachment
    try:
        with attachment.file.open("rb") as original, Image.open(original) as image:
            image = ImageOps.exif_transpose(image)  # phones store portraits sideways with a flag
            image.thumbnail(THUMBNAIL_BOX)
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError) as error:
        log.info("No thumbnail for attachment %s: %s", attachment.pk, error)
        return None
    with transaction.atomic():
        locked = Attachment.objects.select_for_update().get(pk=attachment.pk)
        if not locked.thumbnail:  # two pages asking at once make one thumbnail
            locked.thumbnail.save("thumbnail.jpg", ContentFile(out.getvalue()), save=False)
            locked.save(update_fields=["thumbnail"])
    return locked
