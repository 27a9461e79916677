"""Status bar: message line, job progress with Cancel, device indicator, model identity, and a
permanent amber warning while an interim or test model is loaded (composer.model_status)."""
from __future__ import annotations

from typing import Optional

from PyQt5.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget


class StatusBar(QStatusBar):
    """Permanent widgets: [progress][Cancel] [model warning] [CPU/GPU] [model name · sha256]."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running job (Esc)")
        self.device_label = QLabel("—")
        self.device_label.setObjectName("deviceIndicator")
        self.device_label.setToolTip("Where the model runs")
        self.model_label = QLabel("no model")
        self.model_label.setObjectName("modelIdentity")
        self.model_warning_label = QLabel()
        self.model_warning_label.setObjectName("modelWarning")
        self.model_warning_label.setStyleSheet("#modelWarning { background: #ffbf00; color: #000; "
                                               "padding: 1px 6px; font-weight: bold; }")
        for w in (self.progress, self.cancel_button, self.model_warning_label, self.device_label, self.model_label):
            self.addPermanentWidget(w)
        self.set_busy(None)
        self.set_model_warning("")

    def set_busy(self, label: Optional[str], step: int = 0, total: int = 0) -> None:
        """Show a running job (`label`), optionally with step/total; None hides the progress."""
        busy = label is not None
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.progress.setRange(0, total if total > 0 else 0)
            self.progress.setValue(step)
            self.progress.setFormat(f"{label} %v/%m" if total > 0 else label)

    def set_device(self, device_type: Optional[str]) -> None:
        text = {"cuda": "GPU", "cpu": "CPU"}.get(device_type or "", device_type or "—")
        self.device_label.setText(text)

    def device_text(self) -> str:
        return self.device_label.text()

    def set_model(self, name: Optional[str], sha256: Optional[str]) -> None:
        if not name:
            self.model_label.setText("no model")
            self.model_label.setToolTip("")
            return
        self.model_label.setText(f"{name} · {sha256[:12] if sha256 else '?'}")
        self.model_label.setToolTip(f"{name}\nSHA-256 {sha256}")

    def model_text(self) -> str:
        return self.model_label.text()

    def set_model_warning(self, text: str) -> None:
        """Show `text` permanently (amber) until it is cleared with ""."""
        short = text if len(text) <= 70 else text[:69].rstrip() + "…"
        self.model_warning_label.setText(f"⚠ {short}" if text else "")
        self.model_warning_label.setToolTip(text)
        self.model_warning_label.setVisible(bool(text))

    def model_warning(self) -> str:
        return self.model_warning_label.toolTip() if not self.model_warning_label.isHidden() else ""
