#!/usr/bin/python3
"""Answers GNOME's screen-sharing dialog (xdg-desktop-portal-gnome 43, GTK 4) as assistive
technology would, through AT-SPI on the accessibility bus:

    consent.py share [--no-control]   select the first monitor, switch "Allow remote
                                      interaction" on (unless --no-control), press Share
    consent.py cancel                 press Cancel

Waits up to 30 s for the dialog; exit 0 once the button was pressed, 1 otherwise, with why
on stderr. Needs /usr/bin/python3 with pyatspi (python3-pyatspi) and at-spi2-core."""
import sys
import time

import pyatspi

APP = 'xdg-desktop-portal-gnome'
WAIT_S = 30


def say(text):
    print(f'consent: {text}', file=sys.stderr, flush=True)


def walk(node):
    yield node
    for i in range(node.childCount):
        child = node.getChildAtIndex(i)
        if child is not None:
            yield from walk(child)


def find(root, role, name=None, contains=None):
    for node in walk(root):
        try:
            if node.getRoleName() != role:
                continue
            if name is not None and node.name != name:
                continue
            if contains is not None and contains not in (node.name or ''):
                continue
            return node
        except Exception:  # a node that went away while we looked
            continue
    return None


def dialog():
    """The portal's dialog window once it is on screen with its buttons, else None."""
    desktop = pyatspi.Registry.getDesktop(0)
    for i in range(desktop.childCount):
        app = desktop.getChildAtIndex(i)
        if app is None or app.name != APP:
            continue
        for j in range(app.childCount):
            frame = app.getChildAtIndex(j)
            if frame is not None and find(frame, 'push button', contains='Share'):
                return frame
    return None


def act(node, action):
    iface = node.queryAction()
    for i in range(iface.nActions):
        if iface.getName(i) == action:
            return iface.doAction(i)
    raise RuntimeError(f'{node.getRoleName()} {node.name!r} has no action {action}')


def checked(node):
    return node.getState().contains(pyatspi.STATE_CHECKED)


def main(argv):
    if len(argv) < 2 or argv[1] not in ('share', 'cancel'):
        say(__doc__)
        return 2
    control = '--no-control' not in argv
    deadline = time.monotonic() + WAIT_S
    frame = None
    while frame is None and time.monotonic() < deadline:
        frame = dialog()
        if frame is None:
            time.sleep(0.2)
    if frame is None:
        say(f'no sharing dialog of {APP} within {WAIT_S} s')
        return 1
    say(f'dialog "{frame.name}"')
    if argv[1] == 'cancel':
        act(find(frame, 'push button', contains='Cancel'), 'click')
        say('pressed Cancel')
        return 0
    # the monitors' list: the first one selected, as a click would
    monitors = None
    for node in walk(frame):
        if node.getRoleName() == 'list' and find(node, 'list item') and \
                not find(node, 'check box'):
            monitors = node
            break
    if monitors is None:
        say('the dialog lists no monitor')
        return 1
    monitors.querySelection().selectChild(0)
    say(f'selected monitor "{find(monitors, "list item").name}"')
    box = find(frame, 'check box', contains='remote interaction')
    if box is not None and checked(box) != control:
        act(box, 'toggle')
        for _ in range(50):
            if checked(box) == control:
                break
            time.sleep(0.1)
        say(f'"{box.name}" {"on" if checked(box) else "off"}')
    elif box is None and control:
        say('the dialog offers no remote interaction (a screen cast only)')
    act(find(frame, 'push button', contains='Share'), 'click')
    say('pressed Share')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
