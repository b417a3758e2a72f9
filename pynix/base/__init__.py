"""The kernel base: services every subsystem stands on.

``errors`` (KernelError), ``timer`` (monotonic time, the timer heap, KTimer), ``runqueue``
(task states and the run queue), ``wait`` (wait queues, sleep and wakeup), ``irq`` (the
interrupt queue and the clock tick). These import only arch/ and machine/; mm/, fs/, ipc/,
net/, drivers/ and kernel/ import them downward (scripts/layers.py checks it).
"""
