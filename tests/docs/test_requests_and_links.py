"""(b) Every request of the guides (`http` blocks) is sent to the real app with the sample data and
answers as written: a 2xx, or the status a trailing `# → 404` names.
(c) Every root-relative link of the guides answers 200, or sends a visitor to the sign-in page
(staff pages); every 'Hướng dẫn' link of the product's pages leads to a built guide page and, when
it names a section, to that section.
(f) Every picture the guides show exists and is listed in screenshots.toml."""

from __future__ import annotations

import json
import re
import tomllib
from urllib.parse import urlsplit

import pytest

from mapserver.guides import SOURCE_DIR
from mapserver.settings import PROJECT_ROOT
from tests.docs.markdown import STATUS_COMMENT, blocks, guide_pages, images, links

REQUEST_LINE = re.compile(r"^(?P<method>GET|POST|HEAD)\s+(?P<target>/\S*)\s*(?P<comment>#.*)?$")


def all_requests():
    out = []
    for page in guide_pages():
        for block in blocks(page, "http"):
            out.append(block)
    return out


def all_links():
    seen = {}
    for page in guide_pages():
        for target in links(page):
            if target.startswith("/") and not target.startswith("//"):
                seen.setdefault(target, page)
    return sorted(seen.items())


@pytest.mark.parametrize("block", all_requests(), ids=lambda b: f"{b.where()}")
def test_request(block, guide_server):
    first, _, rest = block.text.strip().partition("\n")
    match = REQUEST_LINE.match(first.strip())
    assert match, f"{block.where()}: the first line must be 'GET /path' or 'POST /path': {first!r}"
    expected = STATUS_COMMENT.search(first)
    body = rest.strip()
    kwargs = {}
    if body:
        kwargs["json"] = json.loads(body)
    response = guide_server.client.request(match["method"], match["target"], follow_redirects=False, **kwargs)
    if expected:
        assert response.status_code == int(expected["status"]), (
            f"{block.where()}: {response.status_code} {response.text[:300]}"
        )
    else:
        assert 200 <= response.status_code < 300, f"{block.where()}: {response.status_code} {response.text[:300]}"


@pytest.mark.parametrize(("target", "page"), all_links(), ids=lambda v: str(v)[:60])
def test_link(target, page, guide_server):
    response = guide_server.client.get(target, follow_redirects=False)
    if response.status_code in (303, 307) and response.headers["location"].startswith("/login"):
        return  # a staff page: visitors are sent to sign in first
    if response.status_code in (301, 302, 307, 308):
        response = guide_server.client.get(target, follow_redirects=True)
    assert response.status_code == 200, f"{page.relative_to(SOURCE_DIR)}: {target} answered {response.status_code}"


GUIDE_LINK = re.compile(r'href="/huong-dan/(?P<path>[^"#{]*)(?:#(?P<fragment>[^"]+))?"')
GUIDE_LINK_JINJA = re.compile(r'"(?P<path>[a-z-]+/)(?:#(?P<fragment>[a-z0-9-]+))?"')


def template_guide_links() -> list[tuple[str, str, str | None]]:
    out = []
    for template in sorted((PROJECT_ROOT / "mapserver" / "templates").glob("*.html")):
        text = template.read_text(encoding="utf-8")
        for line in text.splitlines():
            if "_guide_link.html" in line:
                out += [(template.name, m["path"], m["fragment"]) for m in GUIDE_LINK_JINJA.finditer(line)]
            out += [(template.name, m["path"], m["fragment"]) for m in GUIDE_LINK.finditer(line)]
    return out


@pytest.mark.parametrize(("template", "path", "fragment"), template_guide_links(), ids=lambda v: str(v))
def test_product_links_to_the_guides(template, path, fragment, guides_site, guide_server):
    parts = [p for p in path.strip("/").split("/") if p and p != "en"]
    role = parts[0] if parts else ""
    if role and not (SOURCE_DIR / "vi" / f"{role}.md").exists() and not (SOURCE_DIR / "vi" / role).is_dir():
        pytest.skip(f"the guide {role} is not written yet")
    page = guide_server.client.get(f"/huong-dan/{path}")
    assert page.status_code == 200, f"{template}: /huong-dan/{path} answered {page.status_code}"
    if fragment:
        assert f'id="{fragment}"' in page.text, f"{template}: /huong-dan/{path} has no section #{fragment}"


def test_every_picture_exists_and_is_listed():
    listed = set(tomllib.loads((SOURCE_DIR / "screenshots.toml").read_text(encoding="utf-8")))
    shown = set()
    for page in guide_pages():
        for target in images(page):
            path = (page.parent / urlsplit(target).path).resolve()
            assert path.parent == (SOURCE_DIR / "img").resolve(), f"{page}: {target} is not in docs/guides/img/"
            assert path.is_file(), f"{page}: {target} does not exist (run scripts/guide_screenshots.py)"
            assert path.stem in listed, f"{page}: {target} is not an entry of screenshots.toml"
            assert path.stat().st_size < 150_000, f"{target}: {path.stat().st_size} bytes"
            shown.add(path.stem)
    assert shown, "the guides show no screen"
