"""Stage 5c, images: the editors' photos made fit for a resident's phone.

Editors put phone photos next to their bulletins. Copied as they are, a
4000×3000, 5 MB photo is what a resident on a cheap phone and a small data
plan downloads, and its EXIF block publishes where it was taken (often a
resident's home), with which phone and when. Every raster image under
content/ (.jpg/.jpeg/.png/.webp, any case) is therefore published at the same
URL as a phone-sized copy (:func:`convert`): the EXIF orientation applied, the
long side at most :data:`LONG_SIDE` px, every piece of metadata dropped (EXIF,
GPS, XMP, comments, text chunks), the colours converted to sRGB, JPEG at
quality :data:`JPEG_QUALITY` progressive and optimised, PNG optimised. The
editor's file is never changed. An animated WebP or PNG keeps its frames,
timing and looping (up to :data:`ANIMATION_PIXELS`). GIF and SVG are left
to MkDocs.

The result depends only on the source bytes, :data:`VERSION` (the settings
below) and Pillow's version, so :func:`image_key` keys it in the build cache
(generator/buildcache.py) and the same input gives the same bytes.

An image Pillow cannot read (a HEIC photo saved as .jpg, a truncated upload,
a "decompression bomb") is not published at all: its original could carry
the very metadata this stage removes. The editor gets a warning naming the
file and what to do (:class:`ImageProblem`), as for a missing image.

No MkDocs here: the plugin hands over (source, output path) pairs.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import threading
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageCms, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError
from PIL import __version__ as PILLOW_VERSION

from .errors import ContentError, Location
from .fsutil import write_file
from .incremental import digest

if TYPE_CHECKING:
    from .buildcache import BuildCache

# Raised whenever the output of convert() changes for the same input: every
# cached image is then made again.
VERSION = 2  # 2: animated WebP and PNG keep their frames
LONG_SIDE = 1600
JPEG_QUALITY = 82
WEBP_QUALITY = 82
# An animated WebP or PNG keeps its frames while all of them together, at
# the published size, are at most this many pixels (4 bytes each in memory);
# beyond, only its first picture is published, as a still.
ANIMATION_PIXELS = 60_000_000
# Pillow refuses more than 2 × Image.MAX_IMAGE_PIXELS (~179 million): far
# above a 108-megapixel phone photo, far below what a crafted file claims.
_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}

# What Pillow reports of a file that is no metadata: how to decode and show
# it. Any other key (exif, xmp, comment, photoshop, PNG text chunks, …) is.
_TECHNICAL_INFO = frozenset({
    "jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "adobe", "adobe_transform", "progressive",
    "progression", "icc_profile", "transparency", "gamma", "interlace", "aspect", "srgb", "chromaticity",
    "loop", "duration", "background", "default_image", "bbox", "compression", "lossless",
})
# JPEG segments that are not metadata: JFIF, the ICC profile, Adobe's colour transform.
_JPEG_TECHNICAL_APP = frozenset({("APP0", b"JFIF"), ("APP2", b"ICC_PROFILE"), ("APP14", b"Adobe")})
# HEIF brands (ISO/IEC 23008-12) an iPhone's photo carries in its ftyp box.
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"})


def is_raster(name: str) -> bool:
    """An image this stage publishes as a phone-sized copy (by extension, any case)."""
    return os.path.splitext(name)[1].lower() in _FORMATS


def image_key(data: bytes) -> str:
    """The build cache's key of the copy made of ``data``: the source bytes
    and everything else its bytes depend on."""
    return digest("phone image", VERSION, LONG_SIDE, JPEG_QUALITY, WEBP_QUALITY, PILLOW_VERSION, data)


class ImageProblem(Exception):
    """An image that cannot be published: what is wrong and how to fix it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


def convert(data: bytes, name: str) -> bytes:
    """The phone-sized copy of the image ``data``, to be published as
    ``name`` (its extension picks the format). Raises ImageProblem."""
    fmt = _FORMATS[os.path.splitext(name)[1].lower()]
    shown = os.path.basename(name)
    im = _open(data, shown)
    try:
        return _convert(im, data, fmt, shown)
    finally:
        im.close()


def _open(data: bytes, shown: str) -> Image.Image:
    with warnings.catch_warnings():
        # Up to Pillow's own refusal (DecompressionBombError) a large image
        # is a phone photo: JPEG is decoded at a fraction of its size (draft).
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:
            found = re.search(r"\((\d+) pixels\)", str(exc))
            size = f"约 {int(found.group(1)) // 10_000} 万像素" if found else "像素太多"
            raise ImageProblem(f"图片“{shown}”{size}，大得不正常（手机照片一般在 5000 万像素以内），无法安全处理，网站上没有发布它",
                               "请用看图软件把图片缩小到长边 4000 像素以内，或换一张正常拍摄的照片") from None
        except UnidentifiedImageError:
            if _is_heif(data):
                raise ImageProblem(f"图片“{shown}”其实是 HEIC 格式（苹果手机的照片格式），手机浏览器大多打不开，网站上没有发布它",
                                   "请在手机上另存为 JPG 再放进来（iPhone：设置 → 相机 → 格式 → 选“兼容性最佳”，或用微信发给自己后保存）") from None
            raise ImageProblem(f"“{shown}”打不开，不是一张完好的图片（可能已损坏，或扩展名与内容不符），网站上没有发布它",
                               "请用看图软件打开确认，再从原处重新保存为 JPG 或 PNG 放进来") from None
        except Exception:  # noqa: BLE001 - a decoder's error on an editor's file: say so, no traceback
            raise ImageProblem(f"“{shown}”打不开，不是一张完好的图片，网站上没有发布它",
                               "请用看图软件打开确认，再从原处重新保存为 JPG 或 PNG 放进来") from None


def _is_heif(data: bytes) -> bool:
    if data[4:8] != b"ftyp":
        return False
    size = int.from_bytes(data[:4], "big")
    brands = [data[8:12]] + [data[i:i + 4] for i in range(16, min(size, 64), 4)]
    return any(b in _HEIF_BRANDS for b in brands)


def problem(data: bytes, name: str) -> ImageProblem | None:
    """What :func:`convert` would refuse in the image ``data``, found
    cheaply for ``check``: the file is read, a JPEG decoded at an eighth of
    its size (a truncated upload still fails), nothing encoded."""
    shown = os.path.basename(name)
    try:
        im = _open(data, shown)
        try:
            _load(im, shown, 1 / 8)
        finally:
            im.close()
    except ImageProblem as found:
        return found
    return None


def _load(im: Image.Image, shown: str, scale: float) -> None:
    """Decode ``im`` (a JPEG at ``scale`` of its size when below 1), or
    raise ImageProblem for a truncated or corrupt file."""
    width, height = im.size
    try:
        if im.format == "JPEG" and scale < 1:
            # Decode at 1/2, 1/4 or 1/8 of the size, never below the target:
            # a 4000×3000 photo takes a quarter of the memory and time.
            im.draft(None, (math.ceil(width * scale), math.ceil(height * scale)))
        if getattr(im, "is_animated", False):
            im.seek(0)  # an animated WebP/PNG too large to keep moving: its first picture
        with _whole_files_only():
            im.load()
    except Exception:  # noqa: BLE001 - truncated or corrupt data: the editor's file, not our bug
        raise _damaged(shown) from None


def _damaged(shown: str) -> ImageProblem:
    """A picture whose data ends early or is corrupt: the editor's file."""
    return ImageProblem(f"图片“{shown}”不完整或已损坏（文件可能没有传完），网站上没有发布它",
                        "请从手机或原处重新复制一次完整的图片，用看图软件打开确认后再放进来")


def _convert(im: Image.Image, data: bytes, fmt: str, shown: str) -> bytes:
    width, height = im.size
    metadata = _has_metadata(im)
    frames = getattr(im, "n_frames", 1)
    if frames > 1 and fmt in ("PNG", "WEBP") and frames * _scale(width, height) ** 2 * width * height <= ANIMATION_PIXELS:
        return _convert_animation(im, data, fmt, shown, metadata)
    _load(im, shown, LONG_SIDE / max(width, height))
    icc = im.info.get("icc_profile")
    transparency = im.info.get("transparency")
    out = ImageOps.exif_transpose(im)
    out, icc = _to_srgb(out, icc)
    out = _output_mode(out, fmt, transparency)
    if max(out.size) > LONG_SIDE:
        s = LONG_SIDE / max(out.size)
        size = (max(1, round(out.width * s)), max(1, round(out.height * s)))
        out = out.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    # Nothing of the source's info reaches the encoder (Pillow's JPEG,
    # PNG and WebP writers take comment, XMP and EXIF from it).
    out.info = {"transparency": transparency} if fmt == "PNG" and transparency is not None and out.mode in ("P", "L", "RGB") else {}
    buf = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        out.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True, **extra)
    elif fmt == "PNG":
        out.save(buf, "PNG", optimize=True, **extra)
    else:
        out.save(buf, "WEBP", quality=WEBP_QUALITY, method=6, exif=b"", **extra)
    made = buf.getvalue()
    if len(made) >= len(data) and not metadata and im.format == fmt and max(width, height) <= LONG_SIDE:
        return data  # already small, nothing to remove: the editor's bytes
    return made


def _scale(width: int, height: int) -> float:
    return min(1.0, LONG_SIDE / max(width, height, 1))


# EXIF orientation → the transposition that puts the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90,
}


def _convert_animation(im: Image.Image, data: bytes, fmt: str, shown: str, metadata: bool) -> bytes:
    """An animated WebP or PNG (a sticker or a short clip an editor saved
    from a chat) as :func:`_convert` makes a still: each frame upright, in
    sRGB, at most LONG_SIDE px, without metadata; its timing and looping
    kept. Pillow gives each frame whole (the earlier ones composed under it)."""
    width, height = im.size
    scale = _scale(width, height)
    icc = im.info.get("icc_profile")
    upright = _UPRIGHT.get(im.getexif().get(0x0112, 1))
    loop = im.info.get("loop", 0)
    frames: list[Image.Image] = []
    durations: list[int] = []
    try:
        with _whole_files_only():
            for frame in ImageSequence.Iterator(im):
                picture = frame.convert("RGBA")
                # after the frame is decoded: WebP's timing is read with it
                durations.append(int(frame.info.get("duration") or 100))
                if upright is not None:
                    picture = picture.transpose(upright)
                picture, left = _to_srgb(picture, icc)
                if scale < 1:
                    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
                    picture = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
                picture.info = {}
                frames.append(picture)
    except Exception:  # noqa: BLE001 - truncated or corrupt data: the editor's file, not our bug
        raise _damaged(shown) from None
    extra = {"icc_profile": left} if left else {}
    buf = io.BytesIO()
    if fmt == "WEBP":
        # method 4, not the stills' 6: every frame is encoded, and 6 took
        # several times as long for a sticker no smaller to the eye.
        frames[0].save(buf, "WEBP", save_all=True, append_images=frames[1:], duration=durations, loop=loop,
                       quality=WEBP_QUALITY, method=4, exif=b"", **extra)
    else:
        # Whole frames: each replaces the last (blend op "source").
        frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:], duration=durations, loop=loop,
                       disposal=0, blend=0, **extra)
    made = buf.getvalue()
    if len(made) >= len(data) and not metadata and im.format == fmt and scale == 1 and upright is None:
        return data  # already small, nothing to remove: the editor's bytes
    return made


_truncated_lock = threading.Lock()
_truncated_users = 0
_truncated_saved = False


@contextlib.contextmanager
def _whole_files_only() -> Iterator[None]:
    """Pillow's default, a truncated file is an error, while images are
    decoded here: WeasyPrint, imported for the door notices, sets
    ImageFile.LOAD_TRUNCATED_IMAGES for the whole process, and a photo cut
    off half way would be published half grey without a word. Counted, as
    the publisher's threads decode side by side."""
    global _truncated_users, _truncated_saved
    with _truncated_lock:
        if _truncated_users == 0:
            _truncated_saved = ImageFile.LOAD_TRUNCATED_IMAGES
            ImageFile.LOAD_TRUNCATED_IMAGES = False
        _truncated_users += 1
    try:
        yield
    finally:
        with _truncated_lock:
            _truncated_users -= 1
            if _truncated_users == 0:
                ImageFile.LOAD_TRUNCATED_IMAGES = _truncated_saved


def _has_metadata(im: Image.Image) -> bool:
    """Whether the file carries anything beyond the picture and its colours."""
    if any(key not in _TECHNICAL_INFO for key in im.info):
        return True
    # JPEG: a segment that is not JFIF, the ICC profile or Adobe's (IPTC,
    # maker notes, …), whether or not Pillow reads it into info.
    for marker, body in getattr(im, "applist", None) or ():
        if not any(marker == known and body.startswith(prefix) for known, prefix in _JPEG_TECHNICAL_APP):
            return True
    return False


def _to_srgb(im: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """The picture in sRGB, with no profile; or as it was, with its profile,
    when it cannot be converted (then the browser converts it)."""
    if not icc:
        return (im.convert("RGB") if im.mode == "CMYK" else im), None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(source).lower().replace(" ", ""):
            return (im.convert("RGB") if im.mode == "CMYK" else im), None
        if im.mode not in ("RGB", "RGBA", "CMYK"):
            return im, icc
        mode = "RGBA" if im.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(im, source, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return im, icc
    return (converted if converted is not None else im), None


_SRGB = ImageCms.createProfile("sRGB")


def _output_mode(im: Image.Image, fmt: str, transparency: object) -> Image.Image:
    """A mode the format stores and Pillow resizes smoothly."""
    see_through = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and transparency is not None)
    if fmt == "JPEG":
        if see_through:
            rgba = im.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        return im if im.mode in ("RGB", "L") else im.convert("RGB")
    if fmt == "WEBP":
        return im if im.mode in ("RGB", "RGBA") else im.convert("RGBA" if see_through else "RGB")
    # PNG: a palette or 1-bit picture as it is when small (a chart stays
    # small); resized, it needs full colour to be smoothed.
    if im.mode in ("P", "1") and max(im.size) > LONG_SIDE:
        return im.convert("RGBA" if see_through else "RGB")
    if im.mode in ("1", "L", "LA", "P", "RGB", "RGBA"):
        return im
    return im.convert("RGBA" if see_through else "RGB")


@dataclass
class Publisher:
    """Writes the phone-sized copies of one build (or of `serve`'s rebuilds).

    ``cache`` (build): copies are taken from and kept in the build cache.
    In `serve` one Publisher lives through the rebuilds and leaves a copy
    alone when its source has the same size and modification time as when
    the copy was made (MkDocs' own check, the copy older than the source,
    misses a photo replaced by an older one)."""

    cache: BuildCache | None = None
    threads: int = 2
    # output path → (size, mtime_ns) of the source its copy was made from
    made: dict[str, tuple[int, int]] = field(default_factory=dict)
    converted: int = 0
    reused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, images: Iterable[tuple[Path, Path, str]]) -> list[ContentError]:
        """Write each (source, output path, path shown to the editor);
        the warnings of the images that could not be published, sorted."""
        items = list(images)
        if not items:
            return []
        with ThreadPoolExecutor(max_workers=max(1, min(self.threads, len(items)))) as pool:
            found = [p for p in pool.map(self._publish_one, items) if p is not None]
        return sorted(found, key=lambda e: e.sort_key)

    def _publish_one(self, item: tuple[Path, Path, str]) -> ContentError | None:
        src, dest, shown = item
        try:
            st = src.stat()
            sig = (st.st_size, st.st_mtime_ns)
            if self.made.get(str(dest)) == sig and dest.is_file():
                with self._lock:
                    self.reused += 1
                return None
            data = src.read_bytes()
        except OSError as exc:
            return ContentError(Location(shown), f"图片读不出来（{exc.strerror}），网站上没有发布它", "请检查文件是否还在、能否打开", warning=True)
        key = image_key(data)
        if self.cache is not None:
            with self._lock:
                hit = self.cache.fetch(key, dest)
                if hit:
                    self.reused += 1
                    self.made[str(dest)] = sig
            if hit:
                return None
        try:
            made = convert(data, src.name)
        except ImageProblem as problem:
            dest.unlink(missing_ok=True)
            self.made.pop(str(dest), None)
            return ContentError(Location(shown), problem.message, problem.fix, warning=True)
        write_file(dest, made, replace=True)
        with self._lock:
            self.converted += 1
            self.made[str(dest)] = sig
            if self.cache is not None:
                self.cache.keep(key, dest)
        return None
