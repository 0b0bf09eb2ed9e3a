"""Drive the lessons in a real JupyterLab + headless Chromium (shared by the test and the benchmark).

Pieces, in the order a run uses them:

* :func:`browser_unavailable` -- why the browser run cannot happen here (or None);
* :func:`discover_specs` / :func:`load_spec` -- the per-lesson spec modules;
* :class:`LabServer` -- a JupyterLab on 127.0.0.1, a free port and a random token,
  with HOME and every Jupyter directory in a temp dir, serving a *copy* of the
  notebooks (autosave is off too, so nothing in the repository is ever written),
  or a given folder with given settings (``test_autosave_update.py``); stopped by its PID;
* :func:`launch_chromium` -- Debian's Chromium through Playwright (never downloads one);
* :func:`open_notebook`, :func:`run_all`, :func:`notebook_errors` -- open a notebook in
  its own workspace, run every cell with ``notebook:run-all-cells``, collect errors;
* :func:`measure_slider` -- press the arrow key on the first slider of a panel and
  time, *inside the page* with ``performance.now()``, the key press, the change of
  the readout's ``data-value`` and the first repaint of the panel's figure canvas;
* :func:`save_screenshots`, :func:`summarize`;
* :func:`visit_notebook` -- all of the above on one visit to a notebook (one Run All), for every
  spec of that notebook, with a hook for the checks made before any slider moves;
  :func:`lesson_run` is one spec's visit (``_visits.py`` keeps one visit per notebook a session).
"""
from __future__ import annotations

import collections
import dataclasses
import http.client
import importlib.util
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SPECS_DIR = REPO_ROOT / "tests" / "browser" / "specs"
FIXTURE_SPEC = REPO_ROOT / "tests" / "browser" / "fixture" / "spec_fixture.py"
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# tolerance of the readout check: the slider sends back float noise (0.1 + 0.2 ...)
REL_TOL = 1e-9
ABS_TOL = 1e-12


# ----------------------------------------------------------------- environment
NODELAY_CLASS = "bpkit.labserver.NoDelayKernelWebsocketConnection"


def chromium_path():
    """Path of the system Chromium (Debian's ``chromium``), or None.

    ``BPKIT_CHROMIUM`` (set by ``course.py test``) names one explicitly.
    """
    if os.environ.get("BPKIT_CHROMIUM") and os.path.exists(os.environ["BPKIT_CHROMIUM"]):
        return os.environ["BPKIT_CHROMIUM"]
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def browser_unavailable():
    """A sentence saying why the browser test cannot run here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package 'playwright' is not installed (pip install playwright)"
    if chromium_path() is None:
        return "no Chromium found (neither /usr/bin/chromium nor 'chromium' on PATH)"
    return None


def launch_chromium(playwright):
    """Launch headless system Chromium with Playwright; returns the Browser."""
    path = chromium_path()
    if path is None:
        raise RuntimeError(browser_unavailable() or "no Chromium found")
    return playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)


# ----------------------------------------------------------------------- specs
@dataclasses.dataclass
class Spec:
    """One lesson's browser spec (see ``tests/browser/specs/__init__.py``)."""

    name: str
    path: Path
    notebook: str
    panel_css: str
    readout_css: str
    figure: bool
    expected: object

    @property
    def stem(self):
        return Path(self.notebook).stem


def discover_specs(include_fixture=True):
    """Spec files: the harness fixture first, then ``specs/lesson_*.py`` sorted by name."""
    paths = sorted(SPECS_DIR.glob("lesson_*.py"))
    if include_fixture:
        paths.insert(0, FIXTURE_SPEC)
    return paths


def load_spec(path):
    """Import a spec module by file path and check its contract.

    Raises
    ------
    TypeError, ValueError
        When an attribute is missing or has the wrong type, or the notebook does not exist.
    """
    path = Path(path)
    name = f"_bpkit_browser_spec_{path.stem}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise ValueError(f"cannot import spec file {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    for attr, kind in (("NOTEBOOK", str), ("PANEL_CSS", str), ("READOUT_CSS", str), ("FIGURE", bool)):
        if not hasattr(module, attr):
            raise ValueError(f"spec {path.name} must define {attr} ({kind.__name__})")
        if not isinstance(getattr(module, attr), kind):
            raise TypeError(
                f"spec {path.name}: {attr} must be a {kind.__name__}, got {type(getattr(module, attr)).__name__}"
            )
    if not callable(getattr(module, "expected", None)):
        raise TypeError(f"spec {path.name} must define a function expected(slider_value) -> float")
    notebook = module.NOTEBOOK
    if Path(notebook).is_absolute() or not (REPO_ROOT / notebook).is_file():
        raise ValueError(f"spec {path.name}: NOTEBOOK must be a notebook path from the repo root, got {notebook!r}")
    for attr in ("PANEL_CSS", "READOUT_CSS"):
        css = getattr(module, attr)
        if not css or css.startswith(".") or " " in css:
            raise ValueError(f"spec {path.name}: {attr} must be one CSS class name without a dot, got {css!r}")
    return Spec(
        name=path.stem,
        path=path,
        notebook=notebook,
        panel_css=module.PANEL_CSS,
        readout_css=module.READOUT_CSS,
        figure=module.FIGURE,
        expected=module.expected,
    )


# ---------------------------------------------------------------------- server
def free_port():
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# User settings of the isolated JupyterLab: no autosave (the served files are a
# copy anyway), no news/update pop-ups over the notebook, and every cell kept in
# the DOM (windowing off) so outputs far down the page can be inspected.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


class _PortTaken(Exception):
    pass


class LabServer:
    """A JupyterLab server on 127.0.0.1 serving a temp copy of some notebooks.

    Parameters
    ----------
    notebooks : list of str
        Notebook paths relative to the repo root; the folder of each one is
        copied (recursively, without checkpoints) to the same relative place
        under the temp root the server serves.
    startup_timeout : float, seconds
    root : path, optional
        Serve this existing folder as it is instead (nothing is copied, and
        :meth:`stop` leaves it in place); ``notebooks`` is then ignored.
    settings : dict, optional
        User settings laid over :data:`LAB_SETTINGS`, by settings file and key
        (e.g. autosave on for a test that needs it).
    env : dict, optional
        Extra environment variables for the server and its kernels.
    args : list of str, optional
        Extra command-line options for ``jupyter lab``; one given as ``--Name=value``
        replaces this class's own ``--Name=...``.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, notebooks, startup_timeout=60.0, root=None, settings=None, env=None, args=()):
        self.notebooks = [str(n) for n in notebooks]
        self.startup_timeout = float(startup_timeout)
        self.serve = Path(root) if root is not None else None
        self.settings = {rel: {**LAB_SETTINGS.get(rel, {}), **values} for rel, values in (settings or {}).items()}
        self.extra_env = {str(k): str(v) for k, v in (env or {}).items()}
        self.extra_args = [str(a) for a in args]
        self.port = None
        self.token = secrets.token_hex(16)
        self.proc = None
        self.tmp = None
        self.root = None
        self.log_path = None
        self._log = None

    # -- lifecycle
    def start(self):
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="bpkit-lab-"))
        self.root = self.serve if self.serve is not None else self.tmp / "root"
        self.root.mkdir(exist_ok=self.serve is not None)
        for folder in sorted({str(Path(n).parent) for n in self.notebooks} if self.serve is None else ()):
            shutil.copytree(
                REPO_ROOT / folder,
                self.root / folder,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
            )
        env = self._environment()
        settings_dir = Path(env["JUPYTERLAB_SETTINGS_DIR"])
        for rel, content in {**LAB_SETTINGS, **self.settings}.items():
            target = settings_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(content))
        for attempt in range(3):
            self.port = free_port()
            try:
                self._launch(env)
                return self
            except _PortTaken:
                self._close_log()
        raise RuntimeError(f"JupyterLab could not bind a free port in 3 tries:\n{self.log_tail()}")

    def _launch(self, env):
        cmd = [
            sys.executable, "-m", "jupyter", "lab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        if os.environ.get("BPKIT_LAB_NODELAY", "1") != "0":
            # as `course.py lab` serves the course (see bpkit/labserver.py); BPKIT_LAB_NODELAY=0
            # measures the stock server instead
            cmd.append(f"--ServerApp.kernel_websocket_connection_class={NODELAY_CLASS}")
        # an extra option replaces this class's own of the same name (traitlets refuses a repeated one)
        replaced = {a.split("=", 1)[0] for a in self.extra_args if a.startswith("--") and "=" in a}
        cmd = [a for a in cmd if a.split("=", 1)[0] not in replaced] + self.extra_args
        self.log_path = self.tmp / "server.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            cmd, cwd=self.root, env=env, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        self._wait_ready()

    def _environment(self):
        env = dict(os.environ)
        home = self.tmp / "home"
        dirs = {
            "HOME": home,
            "JUPYTER_CONFIG_DIR": self.tmp / "jupyter-config",
            "JUPYTER_DATA_DIR": self.tmp / "jupyter-data",
            "JUPYTER_RUNTIME_DIR": self.tmp / "jupyter-runtime",
            "IPYTHONDIR": self.tmp / "ipython",
            "MPLCONFIGDIR": self.tmp / "matplotlib",
            "JUPYTERLAB_SETTINGS_DIR": self.tmp / "jupyter-config" / "lab" / "user-settings",
            "JUPYTERLAB_WORKSPACES_DIR": self.tmp / "jupyter-config" / "lab" / "workspaces",
        }
        for key, value in dirs.items():
            value.mkdir(parents=True, exist_ok=True)
            env[key] = str(value)
        # the kernelspec "python3" of this interpreter's environment must stay reachable
        prefix_share = str(Path(sys.prefix) / "share" / "jupyter")
        env["JUPYTER_PATH"] = os.pathsep.join(p for p in (prefix_share, env.get("JUPYTER_PATH", "")) if p)
        env.pop("JUPYTER_PREFER_ENV_PATH", None)
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.extra_env)
        return env

    def _wait_ready(self):
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if "already in use" in self.log_tail():
                    raise _PortTaken(self.port)
                raise RuntimeError(f"JupyterLab exited with code {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status = self.api("GET", "/api/status")
            except (urllib.error.URLError, http.client.HTTPException, OSError):
                # not up yet (or, for a moment, another program on the port we picked:
                # then our server exits and start() tries another port)
                time.sleep(0.2)
                continue
            if isinstance(status, dict):
                return
        raise RuntimeError(f"JupyterLab did not answer /api/status within {self.startup_timeout:.0f} s:\n{self.log_tail()}")

    def stop(self):
        """Shut the kernels down, then stop the server by its PID (terminate, then kill)."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.shutdown_kernels()
            except (urllib.error.URLError, OSError, ValueError):
                pass
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._close_log()
        if self.tmp is not None and os.environ.get("BPKIT_KEEP_LAB_TMP") != "1":
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def _close_log(self):
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- helpers
    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def api(self, method, path, timeout=5.0):
        """Call the REST API with the token; returns the decoded JSON (or None)."""
        req = urllib.request.Request(
            self.base_url + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        """Delete every session and kernel of this server (frees the 2 cores between lessons)."""
        for session in self.api("GET", "/api/sessions") or []:
            self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels") or []:
            self.api("DELETE", f"/api/kernels/{kernel['id']}")

    def kernel_names(self):
        """Names of the kernelspecs this server sees, and the default one."""
        specs = self.api("GET", "/api/kernelspecs")
        return sorted(specs["kernelspecs"]), specs["default"]

    def workspace_url(self, workspace, notebook):
        """URL that opens ``notebook`` alone in a fresh workspace (``?reset``) and logs in."""
        nb = urllib.parse.quote(notebook)
        return f"{self.base_url}/lab/workspaces/{workspace}/tree/{nb}?reset&token={self.token}"

    def log_tail(self, chars=4000):
        if self.log_path is None or not self.log_path.exists():
            return ""
        if self._log is not None:
            self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]


# ------------------------------------------------------------------ page side
# Installed before any page script runs. Records, with performance.now():
# key presses, every change of a watched readout's data-value, and every
# drawImage/putImageData onto a canvas inside a .bpkit-figure (ipympl copies
# each new frame onto its visible canvas with drawImage).
INIT_SCRIPT = r"""
(() => {
  if (window.__bpkit) return;
  const B = window.__bpkit = {keys: [], changes: [], draws: [], observer: null, readout: null, panel: null};
  window.addEventListener('keydown', (e) => {
    B.keys.push({t: performance.now(), key: e.key});
  }, true);
  const proto = window.CanvasRenderingContext2D && window.CanvasRenderingContext2D.prototype;
  if (proto) {
    for (const name of ['drawImage', 'putImageData']) {
      const orig = proto[name];
      proto[name] = function (...args) {
        const c = this.canvas;
        if (c && c.isConnected && c.closest && c.closest('.bpkit-figure')) {
          B.draws.push({t: performance.now(), canvas: c});
        }
        return orig.apply(this, args);
      };
    }
  }
  B.notebookPanel = (path) => {
    const app = window.jupyterapp;
    if (!app || !app.shell) return null;
    for (const w of app.shell.widgets('main')) {
      if (w && w.context && w.context.path === path && w.content && w.sessionContext) return w;
    }
    return null;
  };
  B.kernelState = (path) => {
    const p = B.notebookPanel(path);
    if (!p) return {panel: false};
    const sc = p.sessionContext;
    const k = sc.session && sc.session.kernel;
    return {
      panel: true,
      ready: !!(p.context.isReady && sc.isReady),
      kernel: k ? k.name : null,
      connection: k ? k.connectionStatus : null,
      status: k ? k.status : null,
      dialog: !!document.querySelector('.jp-Dialog'),
    };
  };
  B.cells = (path) => {
    const p = B.notebookPanel(path);
    if (!p) return null;
    const out = [];
    for (const cell of p.content.widgets) {
      const m = cell.model;
      if (m.type !== 'code') continue;
      const outputs = m.outputs.toJSON();
      const errors = [];
      for (const o of outputs) {
        if (o.output_type === 'error') errors.push(o.ename + ': ' + o.evalue);
        if (o.output_type === 'stream' && o.name === 'stderr') {
          const text = Array.isArray(o.text) ? o.text.join('') : String(o.text);
          if (text.includes('Traceback')) errors.push(text);
        }
      }
      const domErrors = [];
      for (const el of cell.node.querySelectorAll(
          '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]')) {
        if (el.textContent.includes('Traceback') || el.textContent.includes('Error')) domErrors.push(el.textContent);
      }
      out.push({
        source: m.sharedModel.getSource(),
        count: m.executionCount,
        executing: !!(cell.promptNode && cell.promptNode.textContent.includes('*')),
        errors: errors,
        domErrors: domErrors,
      });
    }
    return out;
  };
  B.find = (panelCss, readoutCss) => {
    const panel = document.querySelector('.' + panelCss);
    if (!panel) return {error: 'no element with class ' + panelCss};
    const slider = panel.querySelector('.bpkit-slider');
    if (!slider) return {error: 'no .bpkit-slider inside .' + panelCss};
    const target = slider.querySelector('.noUi-target');
    const handle = slider.querySelector('.noUi-handle');
    if (!target || !target.noUiSlider || !handle) return {error: 'the first .bpkit-slider has no noUiSlider handle'};
    const readout = panel.querySelector('.' + readoutCss) || document.querySelector('.' + readoutCss);
    if (!readout) return {error: 'no element with class ' + readoutCss};
    return {panel, slider, target, handle, readout};
  };
  B.readoutValue = (readout) => {
    const el = readout.querySelector('[data-value]') || (readout.hasAttribute('data-value') ? readout : null);
    return el ? el.getAttribute('data-value') : null;
  };
  B.arm = (panelCss, readoutCss) => {
    const f = B.find(panelCss, readoutCss);
    if (f.error) return f;
    if (B.observer) B.observer.disconnect();
    B.panel = f.panel;
    B.readout = f.readout;
    B.changes = [];
    B.keys = [];
    B.draws = [];
    let last = B.readoutValue(f.readout);
    B.observer = new MutationObserver(() => {
      const v = B.readoutValue(f.readout);
      if (v !== last) {
        last = v;
        B.changes.push({t: performance.now(), v: v});
      }
    });
    B.observer.observe(f.readout, {subtree: true, childList: true, attributes: true, characterData: true});
    return {
      value: last,
      canvases: f.panel.querySelectorAll('.bpkit-figure canvas').length,
    };
  };
  B.slider = (panelCss, readoutCss) => {
    const f = B.find(panelCss, readoutCss);
    if (f.error) return f;
    const api = f.target.noUiSlider;
    const range = api.options.range;
    const readoutText = f.slider.querySelector('.widget-readout');
    return {
      value: Number(api.get(true)),
      min: Number(Array.isArray(range.min) ? range.min[0] : range.min),
      max: Number(Array.isArray(range.max) ? range.max[0] : range.max),
      step: Number(api.options.step),
      text: readoutText ? (readoutText.value !== undefined && readoutText.value !== '' ? readoutText.value : readoutText.textContent) : null,
    };
  };
  // true once press number i (0-based) has its readout change (and figure repaint)
  B.pressDone = (i, needFigure) => {
    const k = B.keys[i];
    if (!k) return false;
    const changed = B.changes.some((c) => c.t >= k.t);
    if (!changed) return false;
    if (!needFigure) return true;
    return B.draws.some((d) => d.t >= k.t && B.panel.contains(d.canvas));
  };
  // nothing changed or drew for `ms` and the notebook's kernel is idle
  B.quietFor = (ms, path) => {
    const state = B.kernelState(path);
    if (state.status !== 'idle') {
      B.lastBusy = performance.now();
      return false;
    }
    const now = performance.now();
    if (B.lastBusy && now - B.lastBusy < ms) return false;
    const last = Math.max(0, ...B.changes.map((c) => c.t), ...B.draws.map((d) => d.t));
    return now - last >= ms;
  };
  B.pressResult = (i) => {
    const k = B.keys[i];
    const next = B.keys[i + 1];
    const within = (t) => t >= k.t && (!next || t < next.t);
    const change = B.changes.find((c) => within(c.t));
    const draw = B.draws.find((d) => within(d.t) && B.panel.contains(d.canvas));
    return {
      key: k.key,
      text_ms: change ? change.t - k.t : null,
      figure_ms: draw ? draw.t - k.t : null,
      value: B.readoutValue(B.readout),
    };
  };
  // every figure of the notebook's outputs: an <img> (a PNG output or an image widget), a panel's
  // .bpkit-figure (its canvases) or another matplotlib canvas; 'ok' when its pixels are not all one colour, 'loading' while an
  // image is not decoded yet, 'blank' otherwise; plus outputs showing a matplotlib repr as text
  B.uniform = (source, w, h) => {
    if (!w || !h) return true;
    const c = document.createElement('canvas');
    c.width = Math.min(w, 160);
    c.height = Math.min(h, 160);
    const ctx = c.getContext('2d');
    ctx.drawImage(source, 0, 0, c.width, c.height);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    for (let i = 4; i < d.length; i += 4) {
      if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2] || d[i + 3] !== d[3]) return false;
    }
    return true;
  };
  B.figures = (path) => {
    const p = B.notebookPanel(path);
    if (!p) return null;
    const found = [];
    const bare = [];
    p.content.widgets.forEach((cell, index) => {
      if (cell.model.type !== 'code') return;
      const where = 'cell ' + index;
      for (const fig of cell.node.querySelectorAll('.jp-OutputArea-output .bpkit-figure')) {
        const canvases = [...fig.querySelectorAll('canvas')];
        const imgs = [...fig.querySelectorAll('img')];
        const drawn = canvases.some((c) => !B.uniform(c, c.width, c.height))
          || imgs.some((im) => im.complete && im.naturalWidth > 0 && !B.uniform(im, im.naturalWidth, im.naturalHeight));
        const loading = imgs.some((im) => !im.complete);
        found.push({where, kind: 'panel figure', state: drawn ? 'ok' : loading ? 'loading' : 'blank'});
      }
      // a matplotlib canvas outside a panel (ipympl's figure for a pyplot figure): one figure per widget
      const groups = new Set();
      for (const c of cell.node.querySelectorAll('.jp-OutputArea-output canvas')) {
        if (!c.closest('.bpkit-figure')) groups.add(c.closest('.jupyter-matplotlib') || c.closest('.jp-OutputArea-output'));
      }
      for (const g of groups) {
        const drawn = [...g.querySelectorAll('canvas')].some((c) => !B.uniform(c, c.width, c.height));
        found.push({where, kind: 'canvas', state: drawn ? 'ok' : 'blank'});
      }
      for (const im of cell.node.querySelectorAll('.jp-OutputArea-output img')) {
        if (im.closest('.bpkit-figure')) continue;
        const state = !im.complete ? 'loading' : im.naturalWidth === 0 ? 'blank'
          : B.uniform(im, im.naturalWidth, im.naturalHeight) ? 'blank' : 'ok';
        found.push({where, kind: 'image', state, width: im.naturalWidth});
      }
      for (const el of cell.node.querySelectorAll('.jp-RenderedText.jp-OutputArea-output, .jp-OutputArea-output .jp-RenderedText')) {
        const m = el.textContent.match(/<(Figure size|Axes|matplotlib\.)[^>\n]*>?/);
        if (m) bare.push({where, text: m[0]});
      }
    });
    return {figures: found, bare};
  };
})();
"""


def new_page(browser, viewport=(1280, 900)):
    """A fresh context + page with the recording script installed; returns (context, page)."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda exc: page.console_errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: page.console_errors.append(f"console.{msg.type}: {msg.text}")
            if msg.type == "error" else None)
    return context, page


def open_notebook(page, server, notebook, workspace, timeout_s=90.0):
    """Open ``notebook`` in its own workspace and wait until its kernel is connected and idle.

    Returns the kernel state dict (``kernel`` is the kernelspec name in use).
    """
    page.goto(server.workspace_url(workspace, notebook), wait_until="domcontentloaded", timeout=timeout_s * 1000)
    page.wait_for_function("() => !!window.jupyterapp", timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate("(p) => window.__bpkit.kernelState(p)", notebook)
        if state.get("dialog"):
            # e.g. "Select Kernel" for a notebook without kernelspec metadata: take the default
            button = page.locator(".jp-Dialog .jp-mod-accept")
            if button.count():
                button.first.click()
        if state.get("ready") and state.get("connection") == "connected" and state.get("status") == "idle":
            return state
        time.sleep(0.1)
    raise TimeoutError(f"kernel of {notebook} not connected and idle within {timeout_s:.0f} s; last state {state!r}")


def _cells(page, notebook):
    cells = page.evaluate("(p) => window.__bpkit.cells(p)", notebook)
    if cells is None:
        raise RuntimeError(f"notebook {notebook} is not open in the page")
    return cells


def notebook_errors(page, notebook):
    """``[(cell source, error text), ...]`` for every cell that shows an error or a Traceback."""
    found = []
    for cell in _cells(page, notebook):
        # the model's error outputs carry ename: evalue; the DOM check catches the rest
        # (e.g. a Traceback printed to stderr), without listing one error twice
        for text in cell["errors"] or cell["domErrors"]:
            found.append((cell["source"], text))
    return found


def figure_report(page, notebook, timeout_s=15.0):
    """Every figure the notebook shows, once none is still loading or drawing (or after ``timeout_s``).

    Returns ``{"figures": [{"where", "kind", "state"}, ...], "bare": [{"where", "text"}, ...]}``:
    ``state`` is ``"ok"`` for a picture whose pixels are not all one colour (an ``<img>`` with
    ``naturalWidth > 0``, or a panel's ``.bpkit-figure`` canvas), ``"blank"`` or ``"loading"``
    otherwise; ``bare`` lists outputs that show a matplotlib repr (``<Figure size ...>``) as text.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        report = page.evaluate("(p) => window.__bpkit.figures(p)", notebook)
        if report is None:
            raise RuntimeError(f"notebook {notebook} is not open in the page")
        if all(f["state"] == "ok" for f in report["figures"]) or time.monotonic() > deadline:
            return report
        time.sleep(0.25)


#: Run Alls issued in this process, by notebook (``BPKIT_VISIT_LOG=<file>`` also appends one line each)
RUN_ALLS = collections.Counter()


def run_all(page, notebook, timeout_s=120.0, retry_after_s=20.0):
    """Run every cell via ``notebook:run-all-cells`` and wait until all ran (or one failed).

    Done when the kernel is idle, no prompt shows ``[*]`` and every non-empty code
    cell has an execution count, or as soon as a cell shows an error (run-all stops
    there). If nothing at all has started after ``retry_after_s`` the command is
    issued once more. Returns ``(seconds, cells)``.
    """
    run = "() => window.jupyterapp.commands.execute('notebook:run-all-cells')"
    RUN_ALLS[notebook] += 1
    if os.environ.get("BPKIT_VISIT_LOG"):
        # one line per Run All, for counting visits across xdist workers
        with open(os.environ["BPKIT_VISIT_LOG"], "a", encoding="utf-8") as log:
            log.write(notebook + "\n")
    t0 = time.monotonic()
    page.evaluate(run)
    retried = False
    cells = None
    while True:
        state = page.evaluate("(p) => window.__bpkit.kernelState(p)", notebook)
        cells = _cells(page, notebook)
        code = [c for c in cells if c["source"].strip()]
        started = any(c["count"] is not None or c["executing"] for c in code)
        idle = state.get("status") == "idle"
        if idle and not any(c["executing"] for c in code):
            if any(c["errors"] or c["domErrors"] for c in code):
                break
            if all(c["count"] is not None for c in code):
                break
        elapsed = time.monotonic() - t0
        if not started and not retried and elapsed > retry_after_s:
            page.evaluate(run)
            retried = True
        if elapsed > timeout_s:
            missing = [c["source"][:80] for c in code if c["count"] is None]
            raise TimeoutError(
                f"{notebook}: run-all not finished after {timeout_s:.0f} s (kernel {state.get('status')}); "
                f"cells not run yet: {missing[:3]}"
            )
        time.sleep(0.1)
    return time.monotonic() - t0, cells


@dataclasses.dataclass
class Press:
    """One key press: the key, the slider value sent, what the readout showed, and latencies (ms)."""

    key: str
    slider_value: float
    slider_text: str | None
    readout: float
    expected: float
    text_ms: float | None
    figure_ms: float | None

    @property
    def correct(self):
        return math.isclose(self.readout, self.expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def measure_slider(page, spec, presses=15, settle_ms=120, timeout_s=10.0):
    """Press an arrow key ``presses`` times on the spec's slider; returns ``(initial, [Press])``.

    ``initial`` is a :class:`Press` with ``key=""`` describing the state before the
    first press (slider value, readout, and ``expected`` of that value): when it is
    not ``correct`` the notebook's state in the browser is not the one ``expected``
    assumes, which explains wrong readouts better than the presses alone.

    Before each press the handle gets the focus; the key is ArrowRight unless the
    slider is within one step of its maximum (then ArrowLeft, and back at the
    minimum). After each press it waits until the readout's ``data-value`` changed
    (and, with ``spec.figure``, the panel's canvas was drawn), then until the
    kernel is idle and nothing changed for ``settle_ms``, so each latency belongs
    to its own press and no press waits for the work of the one before.
    """
    # widget views render after their cell finished: wait for the panel (and its canvas)
    ready = "([p, r, fig]) => { const f = window.__bpkit.find(p, r); " \
            "return !f.error && (!fig || !!f.panel.querySelector('.bpkit-figure canvas')); }"
    try:
        page.wait_for_function(ready, arg=[spec.panel_css, spec.readout_css, spec.figure],
                               timeout=timeout_s * 3000, polling=100)
    except Exception:  # playwright TimeoutError: the message below says what is missing
        pass
    page.wait_for_function(
        "([ms, nb]) => window.__bpkit.quietFor(ms, nb)", arg=[4 * settle_ms, spec.notebook],
        timeout=timeout_s * 3000, polling=20,
    )
    arm = page.evaluate("([p, r]) => window.__bpkit.arm(p, r)", [spec.panel_css, spec.readout_css])
    if "error" in arm:
        raise AssertionError(f"{spec.notebook}: {arm['error']}")
    if spec.figure and arm["canvases"] == 0:
        raise AssertionError(f"{spec.notebook}: FIGURE is True but .{spec.panel_css} holds no .bpkit-figure canvas")
    start = page.evaluate("([p, r]) => window.__bpkit.slider(p, r)", [spec.panel_css, spec.readout_css])
    initial = Press(
        key="",
        slider_value=float(start["value"]),
        slider_text=start["text"],
        readout=float(arm["value"]) if arm["value"] is not None else math.nan,
        expected=float(spec.expected(float(start["value"]))),
        text_ms=None,
        figure_ms=None,
    )
    handle = page.locator(f".{spec.panel_css} .bpkit-slider .noUi-handle").first
    handle.scroll_into_view_if_needed()
    direction = "ArrowRight"
    results = []
    for i in range(presses):
        before = page.evaluate("([p, r]) => window.__bpkit.slider(p, r)", [spec.panel_css, spec.readout_css])
        if before["value"] + before["step"] > before["max"] + 1e-12:
            direction = "ArrowLeft"
        elif before["value"] - before["step"] < before["min"] - 1e-12:
            direction = "ArrowRight"
        handle.focus()
        page.keyboard.press(direction)
        try:
            page.wait_for_function(
                "([i, fig]) => window.__bpkit.pressDone(i, fig)", arg=[i, spec.figure],
                timeout=timeout_s * 1000, polling=10,
            )
        except Exception as exc:  # playwright TimeoutError: say what did not happen
            after = page.evaluate("([p, r]) => window.__bpkit.slider(p, r)", [spec.panel_css, spec.readout_css])
            partial = page.evaluate("(i) => window.__bpkit.keys[i] ? window.__bpkit.pressResult(i) : null", i)
            raise AssertionError(
                f"{spec.notebook}: press {i + 1} ({direction}) moved the slider from {before['value']!r} to "
                f"{after['value']!r} but within {timeout_s:.0f} s the readout .{spec.readout_css} "
                f"{'and the figure ' if spec.figure else ''}did not both update (got {partial!r}). "
                f"Errors shown: {notebook_errors(page, spec.notebook)!r}"
            ) from exc
        page.wait_for_function(
            "([ms, nb]) => window.__bpkit.quietFor(ms, nb)", arg=[settle_ms, spec.notebook],
            timeout=timeout_s * 1000, polling=20,
        )
        res = page.evaluate("(i) => window.__bpkit.pressResult(i)", i)
        slider = page.evaluate("([p, r]) => window.__bpkit.slider(p, r)", [spec.panel_css, spec.readout_css])
        value = float(slider["value"])
        results.append(
            Press(
                key=res["key"],
                slider_value=value,
                slider_text=slider["text"],
                readout=float(res["value"]),
                expected=float(spec.expected(value)),
                text_ms=res["text_ms"],
                figure_ms=res["figure_ms"],
            )
        )
    return initial, results


def save_screenshots(page, spec, out_dir=SCREENSHOT_DIR):
    """Save ``<stem>.png`` (the page, panel in view) and ``<stem>_panel.png``; returns both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    panel = page.locator(f".{spec.panel_css}").first
    panel.scroll_into_view_if_needed()
    page_png = out_dir / f"{spec.stem}.png"
    panel_png = out_dir / f"{spec.stem}_panel.png"
    page.screenshot(path=str(page_png))
    panel.screenshot(path=str(panel_png))
    return page_png, panel_png


def summarize(values):
    """``(n, median, p95)`` of the non-None values, in the same unit (NaN when empty)."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return 0, math.nan, math.nan
    import numpy as np

    return len(data), float(np.median(data)), float(np.percentile(data, 95))


def visit_notebook(browser, server, notebook, specs=(), presses=15, screenshots=True, run_timeout_s=180.0,
                   before_presses=None):
    """One visit to ``notebook`` in a fresh page: open, run all, and make every check on that one run.

    In this order: open the notebook (``kernel``), :func:`run_all` (``run_s``), :func:`notebook_errors`
    (``errors``); then, only when no cell shows an error: :func:`figure_report` (``figures``),
    ``before_presses(page, notebook)`` if given (``before``: what it returns, or the exception it raised;
    the accessibility test's audit and keyboard checks, which put every control back where they found it),
    and for each spec of ``specs`` in turn (they must all be about ``notebook``), :func:`measure_slider`
    with ``presses`` presses, the errors shown after them and, with ``screenshots``, :func:`save_screenshots`
    (``specs[spec.name]``: a dict ``initial``, ``presses``, ``errors``, ``screenshots``, or the exception
    the presses raised, so one spec's failure stays its own). With errors after run-all a page
    screenshot is saved instead. Always closes the page and shuts the kernels down.

    Returns a dict with the keys named above and ``console`` (browser console errors).
    """
    specs = list(specs)
    for spec in specs:
        if spec.notebook != notebook:
            raise ValueError(f"spec {spec.name} is about {spec.notebook}, not {notebook}")
    context, page = new_page(browser)
    out = {"notebook": notebook, "kernel": None, "run_s": None, "errors": [], "figures": None, "before": None,
           "specs": {}, "screenshots": (), "console": page.console_errors}
    try:
        stem = Path(notebook).stem
        workspace = f"bpkit-{stem}-{secrets.token_hex(3)}".replace("_", "-")
        state = open_notebook(page, server, notebook, workspace)
        out["kernel"] = state.get("kernel")
        out["run_s"], _ = run_all(page, notebook, timeout_s=run_timeout_s)
        out["errors"] = notebook_errors(page, notebook)
        if out["errors"]:
            if screenshots:
                out["screenshots"] = (SCREENSHOT_DIR / f"{stem}.png",)
                SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out["screenshots"][0]))
            return out
        out["figures"] = figure_report(page, notebook)
        if before_presses is not None:
            try:
                out["before"] = before_presses(page, notebook)
            except Exception as exc:  # noqa: BLE001 - reported by the tests that asked for it
                out["before"] = exc
        for spec in specs:
            try:
                initial, done = measure_slider(page, spec, presses=presses)
                shots = save_screenshots(page, spec) if screenshots else ()
                out["specs"][spec.name] = {"initial": initial, "presses": done,
                                           "errors": notebook_errors(page, notebook), "screenshots": shots}
            except Exception as exc:  # noqa: BLE001 - reported by that spec's test
                out["specs"][spec.name] = exc
        return out
    finally:
        context.close()
        try:
            server.shutdown_kernels()
        except (urllib.error.URLError, OSError):
            pass


def lesson_run(browser, server, spec, presses=15, screenshots=True, run_timeout_s=120.0):
    """Open, run and measure one spec's notebook in a fresh page (:func:`visit_notebook` with that spec).

    Returns a dict: ``kernel``, ``run_s``, ``errors`` (list of (source, text)),
    ``initial`` (a :class:`Press` for the state before the presses), ``presses`` (list of :class:`Press`),
    ``screenshots``, ``console`` (browser console errors) and ``figures`` (:func:`figure_report` after run-all).
    Raises what the presses raised.
    """
    return spec_result(visit_notebook(browser, server, spec.notebook, [spec], presses=presses,
                                      screenshots=screenshots, run_timeout_s=run_timeout_s), spec)


def spec_result(visit, spec):
    """One spec's part of a :func:`visit_notebook` result, as :func:`lesson_run` returns it."""
    out = {key: visit[key] for key in ("kernel", "run_s", "errors", "figures", "screenshots", "console")}
    out.update(initial=None, presses=[])
    part = visit["specs"].get(spec.name)
    if isinstance(part, BaseException):
        raise part
    if part is not None:
        out.update(part)
    return out
