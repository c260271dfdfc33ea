#!/usr/bin/python3
"""An independent WebRTC peer (aiortc, Debian's python3-aiortc) against a real wayrtc:
signaling over the WebSocket as the page does, the answer aiortc writes (with the
sha-256, sha-384 and sha-512 fingerprints current aiortc sends, RFC 8122), video
decoded, a data channel opened and used. Run by meson (suite e2e) as

    aiortc-peer.py WAYRTC_BIN SESSION_BIN

Checks, per codec wayrtc prefers (--codec): the offer by the book (every codec with its
payload type, the H.264 level the size needs, a default candidate, end-of-candidates),
the codec the answer chose is the one whose frames arrive, and frames of the desktop's
size are decoded. Exits 0 on success, 1 with a reason, 77 (skip) without aiortc.
"""
import asyncio
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile

try:
    import websockets
    from aiortc import RTCPeerConnection, RTCSessionDescription
    from aiortc.rtcdtlstransport import RTCCertificate, RTCDtlsFingerprint
except ImportError as e:  # tools/install-deps installs them; say so rather than pass
    print(f"SKIP: {e} (apt-get install python3-aiortc python3-websockets)")
    sys.exit(77)

WIDTH, HEIGHT = 1280, 720
TIMEOUT = 60


def fail(msg):
    raise AssertionError(msg)


# Current aiortc (1.5+) names three hashes; Debian's 1.4 only sha-256. Answer as current
# aiortc does, so wayrtc meets the several a=fingerprint lines it must accept.
def three_fingerprints(self):
    return [
        RTCDtlsFingerprint(algorithm=name, value=self._cert.digest(name.replace("-", "")).decode())
        for name in ("sha-256", "sha-384", "sha-512")
    ]


RTCCertificate.getFingerprints = three_fingerprints


def start_wayrtc(wayrtc, session, codec, home):
    env = dict(os.environ)
    env.update(
        XDG_STATE_HOME=os.path.join(home, "state"),
        XDG_CONFIG_HOME=os.path.join(home, "config"),
        XDG_RUNTIME_DIR=os.path.join(home, "run"),
        WAYRTC_SESSION=session,
        WAYRTC_LOG=env.get("WAYRTC_LOG", "info"),
    )
    os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)
    args = [wayrtc, "--source=virtual", f"--size={WIDTH}x{HEIGHT}", "--no-audio",
            "--listen=127.0.0.1:0", f"--codec={codec}", "--", "foot"]
    log = open(os.path.join(home, "wayrtc.log"), "w+")
    child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    for line in child.stdout:
        m = re.match(r"^URL (https://\S+)$", line.strip())
        if m:
            return child, m.group(1), log
    log.seek(0)
    fail(f"wayrtc printed no URL:\n{log.read()}")


def check_offer(sdp, codec, level_hex):
    lines = sdp.split("\r\n")
    mvideo = next(l for l in lines if l.startswith("m=video "))
    pts = mvideo.split()[3:]
    # each codec followed by its RTX payload type (RFC 4588); --codec first, then H.264
    # High 4:4:4 (104), 4:2:0 H.264 (102), VP8 (96)
    want = (["102", "103", "104", "105", "96", "97"] if codec == "h264"
            else ["96", "97", "104", "105", "102", "103"])
    if pts != want:
        fail(f"offer's video m-line {mvideo!r}: wanted payload types {want}")
    if mvideo.split()[1] == "9" or "c=IN IP4 0.0.0.0" in lines:
        fail("the offer has no default candidate in m= and c=")
    if "a=end-of-candidates" not in lines:
        fail("host candidates only, yet no a=end-of-candidates")
    fmtp = f"a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e0{level_hex}"
    if fmtp not in lines:
        fail(f"offer lacks {fmtp!r}")


async def session(url, codec):
    host = re.match(r"https://([^/]+)/", url).group(1)
    token = re.search(r"#token=(\S+)$", url).group(1)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    pc = RTCPeerConnection()
    frames = []
    got_frame = asyncio.Event()
    opened = asyncio.Event()
    result = {}

    @pc.on("track")
    def on_track(track):
        async def read():
            while True:
                try:
                    frame = await track.recv()
                except Exception:  # the track ended with the connection
                    return
                frames.append((frame.width, frame.height))
                got_frame.set()
        asyncio.ensure_future(read())

    async with websockets.connect(f"wss://{host}/ws", ssl=ctx, subprotocols=["wayrtc", f"token.{token}"],
                                  origin=f"https://{host}", max_size=None) as ws:
        hello = json.loads(await ws.recv())
        if hello.get("type") != "hello":
            fail(f"first message {hello}")
        offer = json.loads(await ws.recv())
        if offer.get("type") != "offer":
            fail(f"second message {offer}")
        check_offer(offer["sdp"], codec, "20")  # 720p at 60 fps, 8 Mbit/s: level 3.2
        await pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        channel = pc.createDataChannel("input")
        channel.on("open", opened.set)
        await pc.setLocalDescription(await pc.createAnswer())
        answer = pc.localDescription.sdp
        for name in ("sha-256", "sha-384", "sha-512"):
            if f"a=fingerprint:{name} " not in answer:
                fail(f"aiortc's answer lacks {name}: the test does not test it")
        m = re.search(r"^m=video \d+ \S+ (\d+)", answer, re.M)
        result["answer_pt"] = m.group(1)
        await ws.send(json.dumps({"type": "answer", "sdp": answer}))

        async def signaling():
            async for raw in ws:
                msg = json.loads(raw)
                if msg.get("type") == "error":
                    fail(f"wayrtc said: {msg}")
        sig = asyncio.ensure_future(signaling())
        try:
            await asyncio.wait_for(got_frame.wait(), TIMEOUT)
            await asyncio.wait_for(opened.wait(), TIMEOUT)
            # a pointer move to the centre and a release-all on the input channel
            # (docs/input.md): taken, and the association stays up
            channel.send(bytes([0x01, 0x00, 0x80, 0x00, 0x80]))
            channel.send(bytes([0x06]))
            await asyncio.sleep(1)
            if channel.readyState != "open":
                fail(f"the data channel is {channel.readyState} after a message")
        finally:
            sig.cancel()
    await pc.close()
    want_pt = "102" if codec == "h264" else "96"
    if result["answer_pt"] != want_pt:
        fail(f"aiortc answered with payload type {result['answer_pt']}, wanted {want_pt}")
    if (WIDTH, HEIGHT) not in frames:
        fail(f"no decoded {WIDTH}x{HEIGHT} frame: {frames[:5]}")
    return len(frames)


def main():
    wayrtc, session_bin = sys.argv[1], sys.argv[2]
    for codec in ("h264", "vp8"):
        home = tempfile.mkdtemp(prefix="wayrtc-aiortc-")
        child, url, log = start_wayrtc(wayrtc, session_bin, codec, home)
        try:
            n = asyncio.run(asyncio.wait_for(session(url, codec), TIMEOUT * 2))
            log.seek(0)
            text = log.read()
            if f"{codec} video" not in text:
                fail(f"wayrtc did not log the {codec} choice:\n{text}")
            print(f"ok {codec}: {n} frames decoded by aiortc")
            if os.environ.get("WAYRTC_INTEROP_VERBOSE"):
                sys.stderr.write(text)
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read())
            raise
        finally:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


if __name__ == "__main__":
    main()
