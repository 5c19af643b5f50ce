package org.gapscope.host;

import org.gapscope.api.BackendHint;

/**
 * How to get the {@code tornado} backend, which is built only with an installed TornadoVM (module
 * tornado/, profile -Ptornado): registered in every build, so that one without the backend still says
 * how to get it, and used by the backend itself when TornadoVM is missing at run time.
 */
public final class TornadoHint implements BackendHint {

    public static final String ADVICE = "The tornado backend needs an installed TornadoVM (built from"
            + " https://github.com/beehive-lab/TornadoVM with its OpenCL or PTX backend): set TORNADOVM_HOME to it"
            + " and run scripts/gapscope, which then builds gapscope with -Ptornado and starts the JVM with"
            + " TornadoVM's argfile (README, 'GPU workstation').";

    @Override
    public String name() {
        return "tornado";
    }

    @Override
    public String advice() {
        return ADVICE;
    }

    @Override
    public String summary() {
        return "set TORNADOVM_HOME and use scripts/gapscope (README)";
    }
}
