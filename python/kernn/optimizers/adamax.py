"""Adamax (Adam with the infinity norm), Keras 3's rule."""
from kernn import ops
from kernn.optimizers.optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax: `m = b1 m + (1 - b1) g`, `u = max(b2 u, |g|)`,
    `w -= lr m / ((1 - b1^t) (u + epsilon))`.

    Args:
        learning_rate: Defaults to `0.001`.
        beta_1: Defaults to `0.9`.
        beta_2: Defaults to `0.999`.
        epsilon: Defaults to `1e-7`.
        name: Defaults to `"adamax"`.
        **kwargs: the base Optimizer's arguments.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _slot_specs(self):
        return [("m", 0.0), ("u", 0.0)]

    def _update(self, params, grads, s, lr):
        ops.adamax_update(params, grads, s["m"], s["u"], learning_rate=lr, beta_1=self.beta_1, beta_2=self.beta_2,
                          epsilon=self.epsilon, step=self.iterations + 1)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
