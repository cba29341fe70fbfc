"""Adagrad, Keras 3's rule."""
from kernn import ops
from kernn.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad: `acc += g^2`; `w -= lr g / sqrt(acc + epsilon)`.

    Args:
        learning_rate: Defaults to `0.001`.
        initial_accumulator_value: Defaults to `0.1`.
        epsilon: Defaults to `1e-7`.
        name: Defaults to `"adagrad"`.
        **kwargs: the base Optimizer's arguments.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def _slot_specs(self):
        return [("accumulator", self.initial_accumulator_value)]

    def _update(self, params, grads, s, lr):
        ops.adagrad_update(params, grads, s["accumulator"], learning_rate=lr, epsilon=self.epsilon)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
