#!/usr/bin/python3
# Made the RTP known-answer vectors of tests/unit/test-rtp.c once; kept to say how. One
# 320x240 SMPTE frame encoded by GStreamer (x264enc without AUD: two IDR slices, SPS, PPS
# and x264's SEI; vp8enc: a keyframe), and GStreamer's own payloaders' packets of it
# (rtph264pay, rtpvp8pay), an implementation independent of ours, with the MTU our
# packets have: RTC_RTP_MAX (1200) less our 12 bytes of header extension.
#   *.264, *.vp8: the frame
#   *.rtp: the payloader's packets, each a 2-byte big-endian length then the packet
# Run with Debian's /usr/bin/python3 (it has gi) in this directory.
import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst

Gst.init(None)
MTU = 1200 - 12


def run(desc):
    pipe = Gst.parse_launch(desc + " ! appsink name=out sync=false")
    out = pipe.get_by_name("out")
    bufs = []
    pipe.set_state(Gst.State.PLAYING)
    while True:
        sample = out.emit("pull-sample")
        if sample is None:
            break
        b = sample.get_buffer()
        bufs.append(b.extract_dup(0, b.get_size()))
    pipe.set_state(Gst.State.NULL)
    return bufs


def frame(enc, caps, path):
    bufs = run("videotestsrc num-buffers=1 pattern=smpte ! "
               "video/x-raw,width=320,height=240,framerate=30/1 ! " + enc + " ! " + caps)
    assert len(bufs) == 1
    open(path, "wb").write(bufs[0])


def packets(desc, path):
    with open(path, "wb") as f:
        for p in run(desc):
            f.write(len(p).to_bytes(2, "big") + p)


frame("x264enc tune=zerolatency speed-preset=ultrafast bitrate=2000 aud=false",
      "video/x-h264,stream-format=byte-stream,alignment=au,profile=constrained-baseline",
      "h264-idr.264")
# (no h264parse: it would add an AUD)
packets("filesrc blocksize=1048576 location=h264-idr.264 ! "
        "video/x-h264,stream-format=byte-stream,alignment=au ! "
        "rtph264pay aggregate-mode=zero-latency pt=102 mtu=%d" % MTU, "h264-idr.rtp")
frame("vp8enc deadline=1 target-bitrate=1000000", "video/x-vp8", "vp8-key.vp8")
packets("filesrc blocksize=1048576 location=vp8-key.vp8 ! video/x-vp8,width=320,height=240,framerate=30/1 ! "
        "rtpvp8pay picture-id-mode=15-bit pt=96 mtu=%d" % MTU, "vp8-key.rtp")
