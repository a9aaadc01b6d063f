import os
import time

from bench.common import cpu_sample


def test_a_sample_tells_this_process_s_cpu_and_the_machine_s_kernel_time():
    before = cpu_sample([os.getpid()])
    with open("/dev/zero", "rb", buffering=0) as zero:  # reading it is the kernel's work
        end = time.process_time() + 0.5
        while time.process_time() < end:
            zero.read(1 << 20)
    used = cpu_sample([os.getpid()]) - before
    assert 0.4 <= used.processes < 5
    assert used.kernel >= 0.2  # most of the loop ran in the kernel, on one core
    assert used.postgres >= 0 and used.idle >= 0
