package org.gapscope.measure;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;

/**
 * The default study ({@code gapscope study}): a list of {@link Step}s run one after the other on one
 * backend, each into its own subdirectory of the study directory ({@code results/<timestamp>/<step>/}),
 * each leaving its own {@link RunDirectory} (data, manifest, plots). The study directory holds a
 * {@code manifest.json} of its own (command {@code "study"}) and {@code summary.json} with one entry per
 * step. Re-running the study on the same directory resumes every step (finished points are skipped).
 *
 * <p>To add a step (e.g. the crowding curve), implement {@link Step} and add it to the list the study
 * command passes to {@link #run}; a step must finish in a few seconds on a 2-core laptop, since the
 * whole study has to take less than two minutes there.
 */
public final class Study {
    private Study() {}

    /**
     * What a step gets.
     *
     * @param dir         the step's own directory (not yet created: open a {@link RunDirectory} on it)
     * @param backend     the backend every step uses
     * @param commandLine the study's command line (for the step's manifest)
     * @param progress    progress mode for long loops
     * @param stop        the study's Ctrl-C signal: check it between points (pass it to {@link RunLoop#run})
     */
    public record Context(Path dir, Backend backend, List<String> commandLine, Progress.Mode progress, StopSignal stop) {}

    /**
     * What a step reports for the summary table.
     *
     * @param step        the step's name
     * @param what        one line on what it computed
     * @param result      one line with its headline numbers
     * @param files       the files it wrote (the data first)
     * @param interrupted whether Ctrl-C stopped it before it finished
     */
    public record Summary(String step, String what, String result, List<Path> files, boolean interrupted) {}

    /** One part of the study. */
    public interface Step {
        /** Subdirectory name and table label, e.g. {@code micro}, {@code sweep-gap}, {@code crowding}. */
        String name();

        /** Runs (or resumes) the step into {@code ctx.dir()}. */
        Summary run(Context ctx);
    }

    /**
     * Runs the steps into {@code dir} (opened as a {@link RunDirectory} with command "study"), stopping
     * after the current step's current point on Ctrl-C. Returns the steps' summaries in order.
     */
    public static List<Summary> run(Path dir, List<Step> steps, Backend backend, List<String> commandLine,
                                    Progress.Mode progress, StopSignal stop) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("steps", steps.stream().map(Step::name).toList());
        params.put("backend", backend.name());
        RunDirectory run = RunDirectory.open(dir, "study", params, List.of(), commandLine, backend);
        List<Summary> out = new ArrayList<>();
        boolean interrupted = false;
        for (Step s : steps) {
            if (stop.requested()) {
                interrupted = true;
                break;
            }
            Summary sum = s.run(new Context(run.file(s.name()), backend, commandLine, progress, stop));
            out.add(sum);
            interrupted |= sum.interrupted();
        }
        List<Map<String, Object>> json = new ArrayList<>();
        for (Summary s : out) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", s.step());
            m.put("what", s.what());
            m.put("result", s.result());
            m.put("files", s.files().stream().map(Path::toString).toList());
            m.put("interrupted", s.interrupted());
            json.add(m);
        }
        RunDirectory.writeJsonAtomically(run.file("summary.json"), Map.of("steps", json));
        run.finish(interrupted ? "interrupted" : "complete", out.size());
        return out;
    }
}
