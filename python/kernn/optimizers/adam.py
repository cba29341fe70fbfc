"""Adam, Keras 3's rule (epsilon outside the square root, bias correction folded into lr)."""
from kernn import ops
from kernn.optimizers.optimizer import Optimizer


class Adam(Optimizer):
    """Adam: `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
    `w -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)` (v replaced by its
    running maximum when `amsgrad`).

    Args:
        learning_rate: Defaults to `0.001`.
        beta_1: Defaults to `0.9`.
        beta_2: Defaults to `0.999`.
        epsilon: Defaults to `1e-7`.
        amsgrad: Defaults to `False`.
        name: Defaults to `"adam"`.
        **kwargs: the base Optimizer's arguments (clipnorm, weight_decay, ...).

    Example:

    >>> import numpy as np
    >>> from kernn.variables import Variable
    >>> w = Variable(np.ones(2), "w")
    >>> opt = Adam(learning_rate=0.1)
    >>> opt.apply_gradients([(np.array([1.0, -1.0], np.float32), w)])
    1
    >>> np.round(w.value.astype(float), 4).tolist()
    [0.9, 1.1]
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, bool(amsgrad)

    def _slot_specs(self):
        specs = [("momentum", 0.0), ("velocity", 0.0)]
        return specs + [("velocity_hat", 0.0)] if self.amsgrad else specs

    def _slot_groups(self):
        return [["momentum", "velocity"]] + ([["velocity_hat"]] if self.amsgrad else [])

    def _update(self, params, grads, s, lr):
        ops.adam_update(params, grads, s["momentum"], s["velocity"], s.get("velocity_hat"), learning_rate=lr,
                        beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon, step=self.iterations + 1,
                        amsgrad=self.amsgrad)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}
