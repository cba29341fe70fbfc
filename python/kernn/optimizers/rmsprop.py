"""RMSprop, Keras 3's rule (epsilon inside the square root)."""
from kernn import ops
from kernn.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop: `v = rho v + (1 - rho) g^2`; `w -= lr g / sqrt(v + epsilon)` (with
    `centered`, `v - mean_g^2` in the root; with `momentum`, the increment goes through a
    momentum buffer).

    Args:
        learning_rate: Defaults to `0.001`.
        rho: Defaults to `0.9`.
        momentum: Defaults to `0.0`.
        epsilon: Defaults to `1e-7`.
        centered: Defaults to `False`.
        name: Defaults to `"rmsprop"`.
        **kwargs: the base Optimizer's arguments.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, bool(centered)

    def _slot_specs(self):
        specs = [("velocity", 0.0)]
        if self.momentum > 0:
            specs.append(("momentum", 0.0))
        if self.centered:
            specs.append(("average_gradient", 0.0))
        return specs

    def _slot_groups(self):
        return [[name] for name, _ in self._slot_specs()]

    def _update(self, params, grads, s, lr):
        ops.rmsprop_update(params, grads, s["velocity"], s.get("momentum"), s.get("average_gradient"),
                           learning_rate=lr, rho=self.rho, momentum=self.momentum, epsilon=self.epsilon,
                           centered=self.centered)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}
