"""Progbar: the progress bar Keras 3 prints during fit/evaluate/predict."""
import math
import sys
import time


class Progbar:
    """Displays a progress bar, as keras.utils.Progbar.

    Values not in `stateful_metrics` are averaged over the steps seen (weighted by the
    number of steps of each update); stateful ones are shown as given.

    Args:
        target: total number of steps expected, `None` if unknown.
        width: progress bar width on screen. Defaults to `20`.
        verbose: 0 (silent), 1 (bar updated in place) or 2 (one line when done). Defaults to `1`.
        interval: minimum seconds between visual updates. Defaults to `0.05`.
        stateful_metrics: names of metrics shown as-is rather than averaged. Defaults to `None`.
        unit_name: display name of a step. Defaults to "step".

    ANSI styling (bold counts, a green bar) is emitted only when stdout is a terminal;
    the text is the same either way.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step",
                 stream=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self._stream = stream
        out = self._out()
        self._tty = hasattr(out, "isatty") and out.isatty()
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def _out(self):
        return self._stream if self._stream is not None else sys.stdout

    def _style(self, text, code):
        return f"\x1b[{code}m{text}\x1b[0m" if self._tty else text

    def update(self, current, values=None, finalize=None):
        """Move the bar to step `current` with `values`: a list of (name, value) pairs."""
        if finalize is None:
            finalize = False if self.target is None else current >= self.target
        for k, v in values or []:
            if k not in self._values_order:
                self._values_order.append(k)
            if k not in self.stateful_metrics:
                if finalize:
                    self._values[k] = [v, 1]
                else:
                    base = max(current - self._seen_so_far, 1)
                    if k not in self._values:
                        self._values[k] = [v * base, base]
                    else:
                        self._values[k][0] += v * base
                        self._values[k][1] += base
            else:
                self._values[k] = [v, 1]
        self._seen_so_far = current
        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)

        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            message = "\b" * self._prev_total_width + "\r" if self._tty else "\r"
            if self.target is not None and self.target > 0:
                digits = int(math.log10(self.target)) + 1
                bar = self._style(f"%{digits}d/%d" % (current, self.target), "1") + " "
                prog_width = int(self.width * float(current) / self.target)
                if prog_width > 0:
                    bar += self._style("━" * prog_width, "32")
                bar += self._style("━" * (self.width - prog_width), "37")
            else:
                bar = "%7d/Unknown" % current
            if self.target is not None and self.target > 0 and not finalize:
                eta = time_per_unit * (self.target - current)
                if eta > 3600:
                    eta_format = "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
                elif eta > 60:
                    eta_format = "%d:%02d" % (eta // 60, eta % 60)
                else:
                    eta_format = "%ds" % eta
                info = " " + self._style(eta_format, "1")
            else:
                info = " " + self._style(f"{now - self._start:.0f}s", "1")
            info += self._format_time(time_per_unit)
            info += self._format_values(signed=True)
            visible = len(_plain(bar)) + len(_plain(info))
            message += bar + info
            if self._prev_total_width > visible:
                message += " " * (self._prev_total_width - visible)
            if finalize:
                message += "\n"
            self._write(message)
            self._prev_total_width = visible
        elif self.verbose == 2:
            if finalize and self.target is not None and self.target > 0:
                digits = int(math.log10(self.target)) + 1
                info = f"%{digits}d/%d" % (current, self.target)
                info += f" - {now - self._start:.0f}s -{self._format_time(time_per_unit)}"
                info += self._format_values(signed=False) + "\n"
                self._write(info)
        self._last_update = now

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    def _format_values(self, signed):
        info = ""
        for k in self._values_order:
            total, count = self._values[k]
            avg = float(total) / max(1, count)
            big = abs(avg) > 1e-3 if signed else avg > 1e-3
            info += f" - {k}: {avg:.4f}" if big else f" - {k}: {avg:.4e}"
        return info

    def _write(self, message):
        out = self._out()
        out.write(message)
        out.flush()

    def _format_time(self, time_per_unit):
        if time_per_unit >= 1 or time_per_unit == 0:
            return f" {time_per_unit:.0f}s/{self.unit_name}"
        if time_per_unit >= 1e-3:
            return f" {time_per_unit * 1000.0:.0f}ms/{self.unit_name}"
        return f" {time_per_unit * 1000000.0:.0f}us/{self.unit_name}"

    def _estimate_step_duration(self, current, now):
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit


def _plain(text):
    import re
    return re.sub(r"\x1b\[[0-9;]*m", "", text)
