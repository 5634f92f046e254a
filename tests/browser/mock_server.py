#!/usr/bin/env python3
"""A stand-in for `iemlab studio` that serves the page and canned answers, for working on
the page without the real server. Curves come from tests/data/graphtool (interpolated onto
the studio grid); the playlist is the review template's. Not a test of the server.

    python3 tests/browser/mock_server.py [PORT]   # prints http://127.0.0.1:PORT/?token=T
"""
import json
import math
import os
import re
import sys
import threading
import time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlparse, parse_qs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGE = os.path.join(ROOT, "src", "cli", "studio", "page")
DB = os.path.join(ROOT, "tests", "data", "graphtool")
TOKEN = "mocktoken"
GRID = [20 * 1000 ** (i / 479) for i in range(480)]


def read_curve(path):
    pts = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            p = re.split(r"[\s,;]+", line.strip())
            try:
                pts.append((float(p[0]), float(p[1])))
            except (ValueError, IndexError):
                pass
    pts.sort()
    out, j = [], 0
    for g in GRID:
        while j < len(pts) - 2 and pts[j + 1][0] < g:
            j += 1
        (f0, d0), (f1, d1) = pts[j], pts[j + 1]
        if g < pts[0][0] or g > pts[-1][0]:
            out.append(None)
            continue
        t = (math.log(g) - math.log(f0)) / (math.log(f1) - math.log(f0)) if f1 > f0 else 0
        out.append(round(d0 + (d1 - d0) * min(1, max(0, t)), 3))
    return out


IEMS = sorted({re.sub(r" [LR]\.txt$", "", n) for n in os.listdir(DB) if re.search(r" [LR]\.txt$", n)})
TARGETS = ["Harman IE 2019 v2", "IEGems"]


def playlist():
    sections, idx = [], 0
    text = open(os.path.join(ROOT, "playlists", "iem-review.toml"), encoding="utf-8").read()
    for block in text.split("[[sections]]")[1:]:
        name = re.search(r'name = "(.*?)"', block).group(1)
        entries = []
        for t in block.split("[[sections.tracks]]")[1:]:
            g = lambda k: (re.search(k + r' = "(.*?)"', t) or [None, ""])[1]
            cues = [{"at": a, "label": l} for a, l in re.findall(r'at = "(.*?)", label = "(.*?)"', t)]
            entries.append({"index": idx, "heading": f"{g('artist')} – {g('title')}".strip(" –"), "artist": g("artist"),
                            "title": g("title"), "focus": g("focus"), "resolved": idx % 5 != 3,
                            "duration": 200 + 17 * idx, "cues": cues})
            idx += 1
        sections.append({"name": name, "entries": entries})
    return {"name": "IEM review", "sections": sections}


PLAYLIST = playlist()
LOCK = threading.Lock()
ST = {"track": 0, "position": 0.0, "playing": True, "heard": 0, "loop": False, "blind": None, "lines": [],
      "profiles": [None] * 4, "posts": 0}
WHEEL = ["attack", "bass precision", "bass strength", "boomy", "boxy", "bright", "brilliance", "clarity", "clean",
         "dark", "depth", "detailed", "full", "harshness", "muffled", "nasal", "natural", "punch", "sibilance",
         "texture", "warmth", "width"]


def state():
    return {
        "playlist": PLAYLIST,
        "slots": [{"label": "ABCD"[i], "profile": ST["profiles"][i], "level_db": 0.0,
                   "autosave": None} for i in range(4)],
        "heard": ST["heard"], "grid": GRID, "rate": 48000, "iem": None,
        "dbs": [DB],
        "devices": [{"id": "qudelix-5k", "name": "Qudelix-5K", "bands": 10, "kinds": ["peaking", "low_shelf", "high_shelf"],
                     "gain": [-12, 12], "q": [0.1, 10], "freqs": None},
                    {"id": "fiio-10", "name": "FiiO 10-band graphic", "bands": 10, "kinds": ["peaking"], "gain": [-12, 12],
                     "q": [1.41, 1.41], "freqs": [31, 62, 125, 250, 500, 1000, 2000, 4000, 8000, 16000]}],
        "formats": [{"id": "apo", "name": "Equalizer APO", "ext": "txt", "per_channel": True},
                    {"id": "wavelet", "name": "Wavelet (GraphicEQ)", "ext": "txt", "per_channel": False}],
        "outputs": [{"index": 0, "name": "wav:/tmp/x.wav", "default": True}, {"index": 1, "name": "Built-in Audio", "default": False}],
        "output": "wav:/tmp/x.wav", "autosave_dir": "/tmp/iemlab-mock/eq", "notes_file": "/tmp/iemlab-mock/notes.jsonl",
        "wheel": WHEEL,
        "sections_rated": [["timbre", "Timbre"], ["bass", "Bass and dynamics"], ["resolution", "Resolution"], ["stage", "Stereo imaging and soundstage"]],
        "targets": TARGETS,
    }


def entry(i):
    for s in PLAYLIST["sections"]:
        for e in s["entries"]:
            if e["index"] == i:
                return e
    return None


def target(q):
    name = q.get("name", [TARGETS[0]])[0] or TARGETS[0]
    path = os.path.join(DB, name + " Target.txt")
    if not os.path.exists(path):
        raise KeyError(f"no target named {name}")
    db = read_curve(path)
    f = lambda k, d: float(q.get(k, [d])[0] or d)
    tilt, bdb, bhz, tdb, ear = f("tilt", 0), f("bass_db", 0), f("bass_hz", 105), f("treble_db", 0), f("ear_gain_db", 0)
    out = []
    for g, v in zip(GRID, db):
        if v is None:
            out.append(None)
            continue
        v += tilt * math.log2(g / 1000) + bdb / (1 + (g / bhz) ** 2) + tdb / (1 + (2500 / g) ** 2)
        v += ear * math.exp(-((math.log2(g / 3000)) ** 2) / 0.5)
        out.append(round(v, 3))
    return {"name": name, "label": name + (" (adjusted)" if any([tilt, bdb, tdb, ear]) else ""), "db": out}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, obj, ctype="application/json"):
        body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        # The real server's policy, so the mock catches what it would block.
        self.send_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; "
                         "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
        self.end_headers()
        self.wfile.write(body)

    def authed(self, q):
        return q.get("token", [None])[0] == TOKEN or self.headers.get("X-Iemlab-Token") == TOKEN

    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        if not u.path.startswith("/api/"):
            name = "index.html" if u.path == "/" else u.path.lstrip("/")
            if "/" in name or not os.path.exists(os.path.join(PAGE, name)):
                return self.send(404, {"error": "not found"})
            ctype = {"html": "text/html", "js": "text/javascript", "css": "text/css"}.get(name.rsplit(".", 1)[-1], "application/octet-stream")
            return self.send(200, open(os.path.join(PAGE, name), "rb").read(), ctype + "; charset=utf-8")
        if not self.authed(q):
            return self.send(403, {"error": "wrong or missing token"})
        if u.path == "/api/state":
            return self.send(200, state())
        if u.path == "/api/search":
            s = q.get("q", [""])[0].lower()
            return self.send(200, [{"name": n, "brand": "", "channels": "L/R"} for n in IEMS if s in n.lower()])
        if u.path == "/api/curve":
            n = q.get("name", [""])[0]
            if n not in IEMS:
                return self.send(404, {"error": f"no IEM named {n}"})
            return self.send(200, {"name": n, "left": read_curve(os.path.join(DB, n + " L.txt")),
                                   "right": read_curve(os.path.join(DB, n + " R.txt"))})
        if u.path == "/api/target":
            try:
                return self.send(200, target(q))
            except KeyError as e:
                return self.send(404, {"error": str(e)})
        if u.path == "/api/events":
            return self.events()
        self.send(404, {"error": "no such endpoint"})

    def events(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        t0 = time.time()
        try:
            while True:
                with LOCK:
                    if ST["playing"]:
                        ST["position"] += 0.05
                    e = entry(ST["track"])
                    lines, ST["lines"] = ST["lines"], []
                    s = {"track": ST["track"], "position": ST["position"], "duration": e["duration"] if e else 0,
                         "transport": "playing" if ST["playing"] else "paused", "heard": ST["heard"],
                         "levels_db": [0.0, -1.3, 0.4, None], "peak_db": -6 - 10 * abs(math.sin(time.time() - t0)) if ST["playing"] else None,
                         "underruns": 0, "loop": ST["loop"], "blind": ST["blind"], "lines": lines}
                self.wfile.write(f"event: status\ndata: {json.dumps(s)}\n\n".encode())
                self.wfile.flush()
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):
        u = urlparse(self.path)
        if not self.authed(parse_qs(u.query)):
            return self.send(403, {"error": "wrong or missing token"})
        n = int(self.headers.get("Content-Length", 0))
        try:
            body = json.loads(self.rfile.read(n) or b"null")
        except json.JSONDecodeError as e:
            return self.send(400, {"error": f"malformed JSON: {e}"})
        p = u.path
        with LOCK:
            m = re.fullmatch(r"/api/profile/([0-3])", p)
            if m:
                i = int(m.group(1))
                ST["profiles"][i] = body
                ST["posts"] += 1
                boost = max([0] + [b["gain_db"] for b in body["left"]["bands"] if b["type"] in ("peaking", "low_shelf", "high_shelf")])
                return self.send(200, {"preamp_db": -boost, "level_db": round(-boost / 2, 2), "autosave": f"/tmp/iemlab-mock/eq/slot-{'abcd'[i]}.toml"})
            if p == "/api/input":
                d, v = body.get("do"), body.get("value")
                if d == "pause":
                    ST["playing"] = not ST["playing"]
                elif d == "profile":
                    if ST["blind"] and ST["blind"]["mode"] == "abx":
                        b = ST["blind"]
                        b["answered"] += 1
                        b["correct"] += v == b["answered"] % 2
                        b["trial"] = b["answered"] + 1
                        b["done"] = b["answered"] >= b["trials"]
                        b["p_value"] = 0.5 ** b["correct"]
                    else:
                        ST["heard"] = v
                        ST["lines"].append(f"heard {'ABCD'[v]}")
                elif d == "toggle":
                    ST["heard"] = (ST["heard"] + 1) % 2
                elif d == "loop":
                    ST["loop"] = not ST["loop"]
                elif d in ("next", "previous"):
                    ST["track"] = max(0, ST["track"] + (1 if d == "next" else -1))
                    ST["position"] = 0
                elif d == "seek":
                    ST["position"] = max(0, ST["position"] + v)
                return self.send(200, {})
            if p == "/api/goto":
                ST["track"], ST["position"] = body["track"], body["seconds"]
                ST["lines"].append(f"goto track {body['track']} at {body['seconds']:.1f} s")
                return self.send(200, {})
            if p == "/api/blind":
                mode = body["mode"]
                ST["blind"] = None if mode == "off" else {"mode": mode, "trial": 1, "trials": body.get("trials", 16), "answered": 0,
                                                          "correct": 0, "done": False, "p_value": None}
                return self.send(200, {})
            if p == "/api/fit":
                return self.send(200, {"profile": {"name": "fit", "preamp_db": -4, "per_channel": False,
                                                   "left": {"gain_db": 0, "bands": [{"type": "low_shelf", "freq_hz": 105, "gain_db": 4, "q": 0.7},
                                                                                    {"type": "peaking", "freq_hz": 3000, "gain_db": -3, "q": 2}]},
                                                   "right": {"gain_db": 0, "bands": []}},
                                       "error_db": 1.23, "line": "fit 2 bands: 1.23 dB RMS error 20 Hz–10 kHz"})
            if p == "/api/export":
                bands = body["profile"]["left"]["bands"]
                text = "Preamp: %.1f dB\n" % body["profile"]["preamp_db"] + "".join(
                    f"Filter {i + 1}: ON PK Fc {b['freq_hz']} Hz Gain {b['gain_db']} dB Q {b['q']}\n" for i, b in enumerate(bands))
                return self.send(200, {"text": text, "file_name": "tune.txt", "deviation_db": 0.0, "notes": ["mock export"]})
            if p == "/api/import":
                if "Filter" not in body["text"]:
                    return self.send(400, {"error": f"{body['name']}: not an EQ file this mock knows"})
                return self.send(200, {"name": body["name"], "preamp_db": 0, "per_channel": False,
                                       "left": {"gain_db": 0, "bands": [{"type": "peaking", "freq_hz": 2000, "gain_db": -2, "q": 1}]},
                                       "right": {"gain_db": 0, "bands": []}})
            if p == "/api/note":
                return self.send(200, {"saved": "/tmp/iemlab-mock/notes.jsonl"})
            if p == "/api/rate":
                return self.send(200, {"saved": "/tmp/iemlab-mock/ratings.json"})
            if p == "/api/report":
                return self.send(200, {"markdown": "# IEM - Tagline\n\nmock draft\n", "path": "/tmp/iemlab-mock/review.md"})
            if p == "/api/output":
                return self.send(200, {"output": body["device"]})
            if p == "/api/quit":
                self.send(200, {})
                threading.Thread(target=self.server.shutdown).start()
                return
        self.send(404, {"error": "no such endpoint"})


if __name__ == "__main__":
    srv = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), H)
    srv.daemon_threads = True
    print(f"http://127.0.0.1:{srv.server_address[1]}/?token={TOKEN}", flush=True)
    srv.serve_forever()
