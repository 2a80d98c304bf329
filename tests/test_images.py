"""Editors' photos (generator/images.py): published at their own URL
phone-sized, without EXIF/GPS, the same bytes on every build, taken from the
build cache when unchanged; a file that cannot be read is named with what to
do, and not published.
"""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import pytest
from conftest import FIXTURES, build_project, make_project_at, run_cli
from PIL import Image, ImageDraw, ImageFile

from generator import images

BASIC = FIXTURES / "basic" / "content"
BULLETINS = Path("content") / "bulletins"
BULLETIN = BULLETINS / "2026-03-third.md"


def phone_photo() -> bytes:
    """A 3000×2000 JPEG as a phone writes it held upright: orientation 6
    (turn 90° to show), GPS position, maker and model. Noise, so that it
    does not compress to nothing."""
    rng = random.Random(6)
    small = Image.frombytes("RGB", (750, 500), rng.randbytes(750 * 500 * 3))
    photo = small.resize((3000, 2000), Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (39.0, 54.0, 30.5), 3: "E", 4: (116.0, 23.0, 10.2)})
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=95, exif=exif, comment=b"home")
    return buf.getvalue()


def chart() -> bytes:
    """An 800×600 palette PNG, a bar chart as a spreadsheet exports it."""
    im = Image.new("P", (800, 600), 0)
    im.putpalette([255, 255, 255, 0, 0, 0, 200, 30, 30] + [0] * (253 * 3))
    draw = ImageDraw.Draw(im)
    for n, height in enumerate((300, 420, 180, 500)):
        draw.rectangle((80 + n * 170, 560 - height, 180 + n * 170, 560), fill=2)
    draw.line((40, 560, 780, 560), fill=1, width=3)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def small_jpeg() -> bytes:
    """A 480×360 JPEG with nothing to strip, saved at a lower quality than
    ours: encoding it again would make it larger."""
    rng = random.Random(3)
    im = Image.frombytes("RGB", (120, 90), rng.randbytes(120 * 90 * 3)).resize((480, 360), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=60, optimize=True)
    return buf.getvalue()


def project_with_images(root: Path, files: dict[str, bytes]) -> Path:
    project = make_project_at(root, BASIC)
    for name, data in files.items():
        (project / BULLETINS / name).write_bytes(data)
    bulletin = project / BULLETIN
    shown = "\n\n".join(f"![图{n}]({name})" for n, name in enumerate(files, 1))
    bulletin.write_text(bulletin.read_text(encoding="utf-8") + "\n" + shown + "\n", encoding="utf-8")
    return project


def published(site: Path, name: str) -> Path:
    return site / "bulletins" / name


def test_photos_are_phone_sized_without_metadata_and_come_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = {"photo.JPG": phone_photo(), "chart.png": chart(), "small.jpg": small_jpeg()}
    project = project_with_images(tmp_path / "p", sources)
    site = build_project(project)

    photo = published(site, "photo.JPG")
    with Image.open(photo) as im:
        assert im.format == "JPEG"
        # Orientation applied: 3000×2000 shown turned is 2000×3000, then 1600 high.
        assert im.size == (1067, 1600)
        assert not im.getexif() and "exif" not in im.info and "comment" not in im.info
        assert "xmp" not in im.info and not [m for m, _ in im.applist if m != "APP0"]
        assert im.info.get("progressive")
    before, after = len(sources["photo.JPG"]), photo.stat().st_size
    assert after < before / 3, (before, after)
    assert b"iPhone" not in photo.read_bytes() and b"home" not in photo.read_bytes()

    with Image.open(published(site, "chart.png")) as im:
        assert (im.format, im.size) == ("PNG", (800, 600))
    # Already small, nothing to strip: the editor's bytes.
    assert published(site, "small.jpg").read_bytes() == sources["small.jpg"]
    # The editor's files are as they were.
    for name, data in sources.items():
        assert (project / BULLETINS / name).read_bytes() == data
    # The page links to them where they were.
    page = (site / "bulletins" / "2026-03-third" / "index.html").read_text(encoding="utf-8")
    assert 'src="../photo.JPG"' in page and 'src="../chart.png"' in page

    first = {name: published(site, name).read_bytes() for name in sources}
    converted: list[str] = []
    real = images.convert

    def counted(data: bytes, name: str) -> bytes:
        converted.append(name)
        return real(data, name)

    monkeypatch.setattr(images, "convert", counted)
    site = build_project(project)
    assert converted == [], "an unchanged image was encoded again"
    assert {name: published(site, name).read_bytes() for name in sources} == first

    # Without the cache, encoded again: the same bytes (Pillow's encoders
    # are deterministic for the same settings).
    site = build_project(project, "2026-11-29", "--no-cache")
    assert sorted(converted) == sorted(sources)
    assert {name: published(site, name).read_bytes() for name in sources} == first

    # A changed photo is made again, the others come from the cache.
    converted.clear()
    (project / BULLETINS / "photo.JPG").write_bytes(sources["photo.JPG"][:-2] + b"\x00\xff\xd9")
    build_project(project)
    assert converted == ["photo.JPG"]


def heic() -> bytes:
    """The start of an iPhone's HEIC file (an ftyp box naming heic)."""
    return (24).to_bytes(4, "big") + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + os.urandom(400)


@pytest.mark.parametrize(("name", "data", "said"), [
    ("iphone.jpg", heic(), "其实是 HEIC 格式（苹果手机的照片格式），手机浏览器大多打不开，网站上没有发布它 — 请在手机上另存为 JPG 再放进来"),
    ("cut.jpg", phone_photo()[:60_000], "不完整或已损坏（文件可能没有传完），网站上没有发布它 — 请从手机或原处重新复制一次完整的图片"),
])
def test_an_unreadable_image_is_named_with_the_fix_and_not_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes, said: str,
) -> None:
    project = project_with_images(tmp_path / "p", {name: data})
    capsys.readouterr()
    site = build_project(project)
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if name in line and "WARNING" in line]
    assert len(warned) == 1 and f"content/bulletins/{name}: 图片“{name}”{said}" in warned[0], err
    assert "Traceback" not in warned[0]
    # Its original may carry the very metadata this stage removes.
    assert not published(site, name).exists()
    assert (project / BULLETINS / name).read_bytes() == data
    assert run_cli("build", "--today", "2026-11-29", "--strict", cwd=project) == 1


def test_check_names_the_images_build_would_not_publish(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The guide says to run check before publishing; it did not open images,
    # so a HEIC photo or a half-copied one showed up only in the build.
    project = project_with_images(tmp_path / "p", {"iphone.jpg": heic(), "cut.jpg": phone_photo()[:60_000], "good.jpg": phone_photo()})
    capsys.readouterr()
    assert run_cli("check", "--today", "2026-11-29", cwd=project) == 0
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if line.startswith("警告: ") and ".jpg" in line]
    assert len(warned) == 2, err
    assert f"警告: {BULLETINS.as_posix()}/cut.jpg: 图片“cut.jpg”不完整或已损坏（文件可能没有传完），生成网站时不会发布它" in warned[0], warned
    assert f"警告: {BULLETINS.as_posix()}/iphone.jpg: 图片“iphone.jpg”其实是 HEIC 格式" in warned[1], warned
    assert "检查完成" in err and "2 条警告" in err
    assert run_cli("check", "--today", "2026-11-29", "--strict", cwd=project) == 1


@pytest.mark.parametrize(("data", "said"), [
    (heic(), "其实是 HEIC 格式"),
    (b"<html>not a picture</html>", "打不开，不是一张完好的图片"),
    (phone_photo()[:60_000], "不完整或已损坏"),
])
def test_convert_names_what_is_wrong(data: bytes, said: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # WeasyPrint (door notices) sets this for the whole process on import.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(images.ImageProblem) as caught:
        images.convert(data, "x.jpg")
    assert said in caught.value.message and "“x.jpg”" in caught.value.message and caught.value.fix
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def test_a_decompression_bomb_is_refused_without_decoding_it() -> None:
    buf = io.BytesIO()
    Image.new("1", (30000, 30000)).save(buf, "PNG")
    with pytest.raises(images.ImageProblem) as caught:
        images.convert(buf.getvalue(), "bomb.png")
    assert "“bomb.png”约 90000 万像素" in caught.value.message and "缩小" in caught.value.fix


def test_a_png_with_transparency_and_text_stays_png_without_the_text() -> None:
    from PIL import PngImagePlugin

    im = Image.new("RGBA", (2400, 1200), (0, 0, 0, 0))
    ImageDraw.Draw(im).rectangle((200, 200, 2200, 1000), fill=(20, 120, 200, 255))
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "地址：某小区 3 号楼")
    buf = io.BytesIO()
    im.save(buf, "PNG", pnginfo=text)
    out = Image.open(io.BytesIO(images.convert(buf.getvalue(), "plan.PNG")))
    assert (out.format, out.mode, out.size) == ("PNG", "RGBA", (1600, 800))
    assert "Comment" not in out.info and out.getpixel((0, 0))[3] == 0


def test_serve_makes_a_copy_again_only_when_its_source_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` keeps one Publisher through its rebuilds (no build cache)."""
    src, dest = tmp_path / "photo.jpg", tmp_path / "site" / "photo.jpg"
    src.write_bytes(phone_photo())
    publisher = images.Publisher()
    assert publisher.publish([(src, dest, "content/photo.jpg")]) == []
    made = dest.read_bytes()
    assert publisher.publish([(src, dest, "content/photo.jpg")]) == []
    assert (publisher.converted, publisher.reused) == (1, 1)
    # The editor replaces the photo by another with an older file time (a
    # copy keeping its date, which MkDocs' own mtime check would miss).
    src.write_bytes(small_jpeg())
    os.utime(src, ns=(1, 1))
    assert publisher.publish([(src, dest, "content/photo.jpg")]) == []
    assert (publisher.converted, publisher.reused) == (2, 1)
    assert dest.read_bytes() != made and Image.open(dest).size == (480, 360)


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_an_animated_image_keeps_moving_phone_sized_without_metadata(fmt: str) -> None:
    # A sticker or short clip saved from a chat: published as its first
    # picture alone, it stood still without a word. Now every frame is
    # kept, made phone-sized, with its timing and looping, and the EXIF
    # (here a GPS position) is gone.
    frames = []
    for n, colour in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200)]):
        frame = Image.new("RGBA", (3200, 1600), colour + (255,))
        ImageDraw.Draw(frame).rectangle([n * 800, 400, n * 800 + 600, 1200], fill=(255, 255, 255, 255))
        frames.append(frame)
    exif = Image.Exif()
    exif[0x8825] = {2: (30.0, 35.0, 0.0)}  # GPS latitude
    buf = io.BytesIO()
    frames[0].save(buf, fmt, save_all=True, append_images=frames[1:], duration=[120, 240, 360], loop=0, exif=exif.tobytes())
    source = buf.getvalue()
    with Image.open(io.BytesIO(source)) as before:
        assert getattr(before, "n_frames", 1) == 3 and before.getexif()  # the source really is what the test says

    made = images.convert(source, f"sticker.{fmt.lower()}")
    with Image.open(io.BytesIO(made)) as im:
        assert im.format == fmt
        assert im.n_frames == 3
        assert im.size == (1600, 800)
        assert not im.getexif() and "exif" not in im.info
        durations = []
        centres = []
        for n in range(3):
            im.seek(n)
            rgba = im.convert("RGBA")
            durations.append(im.info.get("duration"))  # decoded first: WebP's is read with the frame
            centres.append(rgba.getpixel((n * 400 + 150, 400))[:3])  # inside frame n's white box
            assert rgba.getpixel((799, 50))[:3] != (255, 255, 255)
        assert durations == [120, 240, 360]
        assert all(min(c) > 200 for c in centres), centres
        assert im.info.get("loop") == 0


def test_an_animation_too_large_to_keep_moving_is_published_as_its_first_picture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "ANIMATION_PIXELS", 1_000_000)
    frames = [Image.new("RGB", (1200, 800), colour) for colour in [(200, 30, 30), (30, 200, 30)]]
    buf = io.BytesIO()
    frames[0].save(buf, "WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(io.BytesIO(images.convert(buf.getvalue(), "big.webp"))) as im:
        assert getattr(im, "n_frames", 1) == 1
        assert im.convert("RGB").getpixel((600, 400))[0] > 150  # the first (red) picture


def _display_p3_profile() -> bytes:
    """A Display P3 ICC profile (v2 matrix/TRC, D50-adapted primaries as in
    Apple's, gamma 2.2 in place of its sRGB-like curve), built here: no P3
    profile ships with Debian's packages the tests install."""
    import struct

    def s15(x: float) -> bytes:
        return struct.pack(">i", round(x * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ " + bytes(4) + s15(x) + s15(y) + s15(z)

    name = b"Display P3 (test)\x00"
    tags = [
        (b"desc", b"desc" + bytes(4) + struct.pack(">I", len(name)) + name + bytes(4 + 4 + 2 + 1 + 67)),
        (b"cprt", b"text" + bytes(4) + b"No copyright\x00"),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.5151, 0.2412, -0.0011)),
        (b"gXYZ", xyz(0.2920, 0.6922, 0.0419)),
        (b"bXYZ", xyz(0.1571, 0.0666, 0.7841)),
    ] + [(tag, b"curv" + bytes(4) + struct.pack(">IH", 1, 0x0233) + bytes(2)) for tag in (b"rTRC", b"gTRC", b"bTRC")]
    table = struct.pack(">I", len(tags))
    body = b""
    offset = 128 + 4 + 12 * len(tags)
    for tag, data in tags:
        table += tag + struct.pack(">II", offset + len(body), len(data))
        body += data + bytes(-len(data) % 4)
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ " + bytes(12) + b"acsp"
              + bytes(4 + 4 + 4 + 4 + 8 + 4) + s15(0.9642) + s15(1.0) + s15(0.8249) + bytes(4 + 16 + 28))
    assert len(header) == 128
    return header + table + body


def test_a_display_p3_photo_is_published_in_srgb() -> None:
    # iPhones take photos in Display P3. A browser without colour
    # management (many cheap phones' WebViews) shows P3 values as sRGB:
    # faces too red, leaves too green. The copy is converted to sRGB and
    # carries no profile.
    from PIL import ImageCms

    p3 = _display_p3_profile()
    source_profile = ImageCms.ImageCmsProfile(io.BytesIO(p3))
    assert "P3" in ImageCms.getProfileDescription(source_profile)
    colour = (200, 120, 80)  # a skin tone
    photo = Image.new("RGB", (2400, 1800), colour)
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=95, icc_profile=p3)

    made = images.convert(buf.getvalue(), "face.jpg")
    expected = ImageCms.profileToProfile(Image.new("RGB", (1, 1), colour), source_profile, ImageCms.createProfile("sRGB")).getpixel((0, 0))
    with Image.open(io.BytesIO(made)) as im:
        assert "icc_profile" not in im.info
        assert im.size == (1600, 1200)
        got = im.convert("RGB").getpixel((800, 600))
    assert max(abs(a - b) for a, b in zip(got, expected, strict=True)) <= 3, (got, expected)
    assert max(abs(a - b) for a, b in zip(expected, colour, strict=True)) >= 8, "P3 and sRGB values too close to tell apart"
