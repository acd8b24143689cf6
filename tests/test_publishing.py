"""Publishing: the workflow that builds and deploys the book, the launch buttons, Binder, the
licences and citation, and the book's internal links. Nothing here needs the network or a
built book."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

import autograd_lib

from .toc import toc_files

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
WORKFLOWS = sorted(WORKFLOW.parent.glob("*.yml"))
BINDER = ROOT / "binder"


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def config():
    return load_yaml(ROOT / "_config.yml")


@pytest.fixture(scope="module")
def workflow():
    return load_yaml(WORKFLOW)


@pytest.fixture(scope="module")
def citation():
    return load_yaml(ROOT / "CITATION.cff")


@pytest.fixture(scope="module")
def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def steps(job):
    return job.get("steps", [])


def uses(step, action):
    return step.get("uses", "").split("@")[0] == action


def only_on_push_to_main(condition: str) -> bool:
    condition = condition or ""
    return ("github.ref == 'refs/heads/main'" in condition
            and "github.event_name == 'push'" in condition)


# --- the workflows ---------------------------------------------------------------------------

def test_workflows_are_valid_for_github():
    # GitHub's own schema for workflow files, as check-jsonschema ships it (no network).
    found = subprocess.run([str(Path(sys.executable).parent / "check-jsonschema"),
                            "--builtin-schema", "vendor.github-workflows",
                            *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert found.returncode == 0, found.stdout + found.stderr


def test_a_pull_request_is_tested_once(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert "pull_request" in triggers
    # A push to a pull request's branch would run it a second time: pushes run on main only.
    assert triggers["push"] == {"branches": ["main"]}


def test_ci_runs_make_test_with_the_browser_checks_required(workflow):
    test = workflow["jobs"]["test"]
    runs = [s for s in steps(test) if "run" in s]
    assert [s["run"].strip() for s in runs] == ["make test"], \
        "CI must run the test command README.md gives a new user"
    assert runs[0]["env"]["REQUIRE_BROWSER"] == "1"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(encoding="utf-8"), re.M)


def test_ci_has_the_oldest_python_as_python3_and_colabs_beside_it(workflow, pyproject):
    setups = [s for s in steps(workflow["jobs"]["test"]) if uses(s, "actions/setup-python")]
    assert len(setups) == 1
    versions = setups[0]["with"]["python-version"].split()
    oldest = pyproject["project"]["requires-python"].removeprefix(">=")
    assert versions[-1] == oldest, "setup-python makes the last version listed python3"
    assert "3.13" in versions, "the Colab-like environment wants Colab's Python"
    assert setups[0]["with"]["cache"] == "pip"
    binder_python = load_yaml(BINDER / "environment.yml")["dependencies"]
    assert f"python={oldest}" in binder_python, "Binder and CI must run the same Python"


def test_make_book_uses_the_pins_and_fails_on_warnings():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    book = re.search(r"^book:(.*)\n((?:\t.*\n)+)", makefile, re.M)
    assert book, "the Makefile has no book target"
    assert "$(STAMP)" in book.group(1)
    assert "jupyter-book build . --warningiserror" in book.group(2)
    stamp = re.search(r"^\$\(STAMP\):.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "-c constraints.txt" in stamp


def test_workflow_uploads_the_execution_reports_when_the_build_fails(workflow):
    reports = [s for s in steps(workflow["jobs"]["test"]) if uses(s, "actions/upload-artifact")
               and s["with"]["path"] == "_build/html/reports"]
    assert len(reports) == 1 and "failure()" in reports[0]["if"]


def test_workflow_deploys_build_html_to_pages_only_from_main(workflow):
    jobs = workflow["jobs"]
    pages = [s for s in steps(jobs["test"]) if uses(s, "actions/upload-pages-artifact")]
    assert len(pages) == 1
    assert pages[0]["with"]["path"] == "_build/html"
    assert only_on_push_to_main(pages[0]["if"])

    deployers = [name for name, job in jobs.items()
                 if any(uses(s, "actions/deploy-pages") for s in steps(job))]
    assert deployers == ["deploy"]
    deploy = jobs["deploy"]
    assert deploy["needs"] in ("test", ["test"]), "only a tested book is published"
    assert only_on_push_to_main(deploy["if"])
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["concurrency"]["group"]
    assert deploy["environment"]["name"] == "github-pages"
    # Nothing else may write: the workflow's default token only reads.
    assert workflow["permissions"] == {"contents": "read"}


# The first major of each action that runs on Node 24 (Node 20 actions stop working in 2026).
NODE_24 = {"actions/checkout": 5, "actions/setup-python": 6, "actions/upload-artifact": 6,
           "actions/upload-pages-artifact": 5, "actions/deploy-pages": 5, "actions/cache": 5}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_runs_on_node_24(path):
    for job in load_yaml(path)["jobs"].values():
        for step in steps(job):
            if "uses" in step:
                action, version = step["uses"].split("@")
                assert action in NODE_24, f"{path.name}: is {action} on Node 24?"
                assert int(version.removeprefix("v")) >= NODE_24[action], step["uses"]


def test_links_are_checked_weekly_and_never_block(workflow):
    links = load_yaml(WORKFLOW.parent / "linkcheck.yml")
    triggers = links.get("on", links.get(True))
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    assert len(triggers["schedule"][0]["cron"].split()[4]) == 1, "once a week: one weekday"
    job = links["jobs"]["linkcheck"]
    assert job.get("continue-on-error") is True
    assert any("--builder linkcheck" in s.get("run", "") for s in steps(job))
    assert not any("linkcheck" in s.get("run", "") for j in workflow["jobs"].values()
                   for s in steps(j)), "the link check must stay out of the test run"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_not_machine_specific(path):
    text = path.read_text(encoding="utf-8")
    for local in ("/work/", "/home/", "/Users/", "C:\\", "self-hosted"):
        assert local not in text


# --- repository, launch buttons, Binder ------------------------------------------------------

def test_repository_and_launch_buttons(config):
    repo = config["repository"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repo["url"])
    assert repo["branch"] == "main"
    assert repo["path_to_book"] == ""
    buttons = config["launch_buttons"]
    assert buttons["binderhub_url"] == "https://mybinder.org"
    assert buttons["colab_url"] == "https://colab.research.google.com"
    assert buttons["notebook_interface"] == "jupyterlab"
    # Empty (no button) until a teacher sets a real hub: see CONTRIBUTING.md.
    assert buttons.get("jupyterhub_url", "") == "" or buttons["jupyterhub_url"].startswith("https://")


def test_the_setup_cell_citation_and_footer_point_at_the_repository(config, citation, pyproject):
    url, branch = config["repository"]["url"], config["repository"]["branch"]
    setup = (ROOT / "notebooks" / "setup_cell.py").read_text(encoding="utf-8")
    owner_and_name = url.removeprefix("https://github.com/")
    assert '"backprop-from-scratch @ git+https://github.com/"' in setup
    assert f'f"{owner_and_name}@v{{RELEASE}}"' in setup
    assert pyproject["project"]["name"] == "backprop-from-scratch" and branch == "main"
    assert citation["repository-code"] == url
    assert f'href="{url}/blob/{branch}/LICENSE"' in config["html"]["extra_footer"]


def test_binder_installs_from_constraints_txt_only():
    assert not (ROOT / "binder" / "requirements.txt").exists() or "==" not in (
        BINDER / "requirements.txt").read_text(), "pins belong in constraints.txt only"
    env = load_yaml(BINDER / "environment.yml")
    # environment.yml chooses Python; it pins no package of its own.
    assert sorted(env["dependencies"]) == ["pip", "python=3.11"]
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable"
    script = post_build.read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in script
    installs = [line for line in script.replace("\\\n", " ").splitlines()
                if "pip install" in line]
    assert installs, "binder/postBuild installs nothing"
    for line in installs:
        assert "-c constraints.txt" in line
    assert any('-e ".[reader]"' in line for line in installs)
    assert 'cd "$(dirname "$0")/.."' in script, "postBuild must run from the repository root"
    assert "==" not in script


# --- licences and citation -------------------------------------------------------------------

def test_licence_files(pyproject):
    mit = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert mit.startswith("MIT License") and "The Backprop from Scratch authors" in mit
    assert pyproject["project"]["license"] == "MIT"
    content = (ROOT / "LICENSE-CONTENT.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in content and "https://creativecommons.org/licenses/by/4.0/" in content


CFF_ROOT_KEYS = {  # every root key Citation File Format 1.2.0 allows
    "abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi",
    "identifiers", "keywords", "license", "license-url", "message", "preferred-citation",
    "references", "repository", "repository-artifact", "repository-code", "title", "type", "url",
    "version",
}


def test_citation_cff_is_valid_1_2_0(citation, config):
    assert citation["cff-version"] == "1.2.0"
    assert set(citation) <= CFF_ROOT_KEYS
    for key in ("authors", "message", "title"):
        assert citation[key]
    assert citation["type"] in ("software", "dataset")
    assert citation["authors"] == [{"name": config["author"]}]
    assert config["author"] == "The Backprop from Scratch authors"
    assert citation["license"] == "MIT"
    assert citation["title"] == config["title"]


def test_the_version_is_written_in_one_place(citation, pyproject):
    project = pyproject["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "autograd_lib.__version__"}
    assert "version" not in citation and "date-released" not in citation
    # Built from pyproject.toml, the distribution carries the library's version.
    import importlib.metadata

    assert importlib.metadata.version("backprop-from-scratch") == autograd_lib.__version__


def test_packaging_metadata(pyproject):
    build = pyproject["build-system"]["requires"]
    assert build == ["setuptools>=77"], "an SPDX license expression needs setuptools 77"
    project = pyproject["project"]
    assert project["license"] == "MIT" and project["authors"]
    oldest = project["requires-python"].removeprefix(">=")
    assert f"Programming Language :: Python :: {oldest}" in project["classifiers"]
    assert not any(c.startswith("License ::") for c in project["classifiers"]), \
        "setuptools refuses licence classifiers beside an SPDX expression"
    assert set(project["urls"]) == {"Book", "Source", "Issues"}


def test_readme_links_the_book_and_shows_ci_binder_and_colab(config):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    repo = config["repository"]["url"].removeprefix("https://github.com/")
    owner, name = repo.split("/")
    assert f"https://{owner}.github.io/{name}/" in readme
    assert f"https://github.com/{repo}/actions/workflows/book.yml/badge.svg" in readme
    assert f"https://mybinder.org/v2/gh/{repo}/main?urlpath=lab/tree/workbook/01_tensors.ipynb" in readme
    assert f"https://colab.research.google.com/github/{repo}/blob/main/workbook/01_tensors.ipynb" in readme
    for workbook_chapter in re.findall(r"(workbook/\d\d_\w+\.ipynb)", readme):
        assert (ROOT / workbook_chapter).exists(), workbook_chapter


# --- the footer ------------------------------------------------------------------------------

def test_jupyter_book_loads_the_footer_extension(config):
    from jupyter_book.config import get_final_config

    sphinx_config, _ = get_final_config(user_yaml=ROOT / "_config.yml", sourcedir=ROOT,
                                         cli_config={"latex_individualpages": False})
    assert "course_build_info" in sphinx_config["extensions"]
    assert (ROOT / config["sphinx"]["local_extensions"]["course_build_info"]
            / "course_build_info.py").exists()
    options = sphinx_config["html_theme_options"]
    assert "{version}" in options["extra_footer"] and "{build_date}" in options["extra_footer"]
    assert options["launch_buttons"]["binderhub_url"] == "https://mybinder.org"


def test_footer_shows_licences_version_and_build_date(config, tmp_path, monkeypatch):
    """A one-page Sphinx build with the book's theme, footer and extension (not the book)."""
    from sphinx.testing.util import SphinxTestApp

    monkeypatch.syspath_prepend(str(ROOT / "book" / "_ext"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "conf.py").write_text("")
    (tmp_path / "src" / "index.rst").write_text("Title\n=====\n\nText.\n")
    warnings = io.StringIO()
    app = SphinxTestApp("html", srcdir=tmp_path / "src", builddir=tmp_path / "out",
                        status=io.StringIO(), warning=warnings, freshenv=True, confoverrides={
                            "extensions": ["course_build_info"],
                            "html_theme": "sphinx_book_theme",
                            "html_theme_options": {"extra_footer": config["html"]["extra_footer"]},
                        })
    try:
        app.build()
    finally:
        app.cleanup()  # Sphinx registers nodes for the whole process; a later app warns
    assert warnings.getvalue() == ""
    html = (tmp_path / "out" / "html" / "index.html").read_text(encoding="utf-8")
    footer = re.search(r'<div class="extra_footer">(.*?)</div>', html, re.S).group(1)
    text = " ".join(re.sub(r"<[^>]+>", " ", footer).split())
    assert "MIT licence" in text and "CC BY 4.0" in text
    assert f"Version {autograd_lib.__version__}, built 2026-01-01." in text
    assert "{" not in text


def test_build_date_defaults_to_today_in_utc(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "book" / "_ext"))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    import course_build_info

    class Frozen(dt.datetime):
        """23:30 UTC on 1 March, when it is already 2 March two hours east of Greenwich."""

        @classmethod
        def now(cls, tz=None):
            instant = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.timezone.utc)
            east = dt.timezone(dt.timedelta(hours=2))
            return instant.astimezone(tz) if tz else instant.astimezone(east).replace(tzinfo=None)

    monkeypatch.setattr(course_build_info.dt, "datetime", Frozen)
    assert course_build_info.build_date() == "2026-03-01"


# --- internal links and cross-references -----------------------------------------------------

def toc_docs() -> set[str]:
    return set(toc_files())


def pages():
    """Every source page: book/*.md and the chapters' Markdown cells."""
    for path in sorted((ROOT / "book").glob("*.md")):
        yield path, path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        yield path, "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


MD_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?")
DOC_ROLE = re.compile(r"\{doc\}`(?:[^`<]*<)?([^`>]+)>?`")
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|#)", re.I)


def doc_name(path: Path) -> str:
    return str(path.relative_to(ROOT).with_suffix(""))


def test_the_book_never_reads_the_environments_or_the_build(config):
    # Sphinx would otherwise read every Markdown file of the packages installed there.
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    made = set(re.findall(r"^(?:VENV|COLAB|BINDER|LITE) := (\S+)$", makefile, re.M))
    assert made == {".venv", ".colab-venv", ".binder-venv", ".lite-venv"}
    assert made | {"_build", "my-work", "workbook"} <= set(config["exclude_patterns"])


def test_every_toc_entry_exists():
    for doc in toc_docs():
        assert [p for p in ROOT.glob(doc + ".*") if p.suffix in (".md", ".ipynb")], doc


def test_every_prose_page_is_in_the_toc():
    # only_build_toc_files: a page missing from _toc.yml would silently not be built.
    missing = [doc_name(p) for p in (ROOT / "book").glob("*.md") if doc_name(p) not in toc_docs()]
    assert missing == [], f"add these to _toc.yml: {missing}"


def test_internal_links_and_doc_references_resolve_to_built_pages():
    docs, problems = toc_docs(), []
    for path, text in pages():
        here = path.parent
        for target in MD_LINK.findall(text) + IMAGE.findall(text):
            if EXTERNAL.match(target):
                continue
            file = (here / target.split("#")[0]).resolve()
            if not file.exists():
                problems.append(f"{path.name}: {target} does not exist")
            elif file.suffix in (".md", ".ipynb") and doc_name(file) not in docs:
                problems.append(f"{path.name}: {target} is not in _toc.yml")
        for target in DOC_ROLE.findall(text):
            base = ROOT if target.startswith("/") else here
            doc = (base / target.lstrip("/")).resolve()
            candidates = [doc.with_suffix(s) for s in (".md", ".ipynb")] + [doc]
            if not any(c.is_file() for c in candidates):
                problems.append(f"{path.name}: {{doc}}`{target}` does not exist")
            elif doc_name(doc.with_suffix(".md")) not in docs:
                problems.append(f"{path.name}: {{doc}}`{target}` is not in _toc.yml")
    assert problems == []


def test_link_scanner_finds_what_it_should():
    text = ("See [setup](setup.md#x), ![fig](img/a.png), [web](https://x.org), [top](#t), "
            "{doc}`../notebooks/01_tensors` and {doc}`the tape <../notebooks/02_tape>`.")
    assert MD_LINK.findall(text) == ["setup.md#x", "https://x.org", "#t"]
    assert IMAGE.findall(text) == ["img/a.png"]
    assert DOC_ROLE.findall(text) == ["../notebooks/01_tensors", "../notebooks/02_tape"]


def test_a_script_registered_twice_goes_into_a_page_once(monkeypatch):
    from sphinx.builders.html._assets import _JavaScript

    monkeypatch.syspath_prepend(str(ROOT / "book" / "_ext"))
    from unique_scripts import _on_page_context

    thebe = 'const THEBE_JS_URL = "x"'
    scripts = [_JavaScript(None, body=thebe), _JavaScript("a.js"), _JavaScript("", body=thebe),
               _JavaScript("a.js", defer="defer"), _JavaScript("a.js", priority=800)]
    page = {"script_files": scripts}
    _on_page_context(None, "p", "page.html", page, None)
    assert page["script_files"] is scripts, "in place: later handlers add to this very list"
    assert [(s.filename, s.attributes) for s in scripts] == [
        (None, {"body": thebe}), ("a.js", {}), ("a.js", {"defer": "defer"})]
