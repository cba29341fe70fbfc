"""Nadam (Adam with Nesterov momentum and Keras's momentum schedule), Keras 3's rule."""
from kernn import ops
from kernn.optimizers.optimizer import Optimizer


class Nadam(Optimizer):
    """Nadam with the momentum schedule `u_t = b1 (1 - 0.5 * 0.96^t)`; the running
    product of the u_t is kept in the optimizer (Keras's `_u_product`).

    Args:
        learning_rate: Defaults to `0.001`.
        beta_1: Defaults to `0.9`.
        beta_2: Defaults to `0.999`.
        epsilon: Defaults to `1e-7`.
        name: Defaults to `"nadam"`.
        **kwargs: the base Optimizer's arguments.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="nadam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self._u_product = 1.0

    def _slot_specs(self):
        return [("momentum", 0.0), ("velocity", 0.0)]

    def _update(self, params, grads, s, lr):
        t = self.iterations + 1
        u_t = self.beta_1 * (1.0 - 0.5 * 0.96**t)
        u_t1 = self.beta_1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        self._u_product *= u_t
        ops.nadam_update(params, grads, s["momentum"], s["velocity"], learning_rate=lr, beta_1=self.beta_1,
                         beta_2=self.beta_2, epsilon=self.epsilon, step=t, u_t=u_t, u_t1=u_t1,
                         u_product_t=self._u_product, u_product_t1=self._u_product * u_t1)

    def _extra_state(self):
        return [(lambda: self._u_product, lambda v: setattr(self, "_u_product", v))]

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
