"""SGD with optional (Nesterov) momentum, Keras 3's rule."""
from kernn import ops
from kernn.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent with momentum.

    Without momentum: `w -= lr * g`. With it: `v = momentum * v - lr * g`, then
    `w += v` (or `w += momentum * v - lr * g` when `nesterov`).

    Args:
        learning_rate: Defaults to `0.01`.
        momentum: float in [0, 1]. Defaults to `0.0`.
        nesterov: Defaults to `False`.
        name: Defaults to `"SGD"`.
        **kwargs: the base Optimizer's arguments (clipnorm, weight_decay, ...).
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slot_specs(self):
        return [("momentum", 0.0)] if self.momentum != 0 else []

    def _update(self, params, grads, slots, lr):
        ops.sgd_update(params, grads, slots.get("momentum"), learning_rate=lr, momentum=self.momentum,
                       nesterov=self.nesterov)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
