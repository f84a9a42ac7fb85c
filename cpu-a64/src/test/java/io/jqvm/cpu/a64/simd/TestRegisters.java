package io.jqvm.cpu.a64.simd;

/** General registers and NZCV for driving the unit in tests. */
final class TestRegisters implements GeneralRegisters {
    final long[] x = new long[32];
    int nzcv;

    @Override
    public long x(int n) {
        return n == 31 ? 0 : x[n];
    }

    @Override
    public void setX(int n, long value) {
        if (n != 31) {
            x[n] = value;
        }
    }

    @Override
    public int nzcv() {
        return nzcv;
    }

    @Override
    public void setNzcv(int nzcv) {
        this.nzcv = nzcv;
    }
}
