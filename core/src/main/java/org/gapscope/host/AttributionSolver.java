package org.gapscope.host;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.gapscope.api.Attribution;
import org.gapscope.api.Checks;

/**
 * alpha = P^+ Pi with EJML's SVD-based Moore-Penrose pseudoinverse (minimal-norm least squares):
 * small dense linear algebra on the host, shared by every backend (docs/MATH.md section 5).
 */
public final class AttributionSolver {
    private AttributionSolver() {}

    public static Attribution solve(double[][] headProbs, double[] aggregate) {
        Checks.attribution(headProbs, aggregate);
        int h = headProbs.length;
        int v = aggregate.length;
        DMatrixRMaj p = new DMatrixRMaj(v, h);
        for (int j = 0; j < h; j++) {
            for (int y = 0; y < v; y++) {
                p.set(y, j, headProbs[j][y]);
            }
        }
        DMatrixRMaj pinv = new DMatrixRMaj(h, v);
        CommonOps_DDRM.pinv(p, pinv);
        DMatrixRMaj target = new DMatrixRMaj(v, 1, true, aggregate);
        DMatrixRMaj alpha = new DMatrixRMaj(h, 1);
        CommonOps_DDRM.mult(pinv, target, alpha);
        DMatrixRMaj projection = new DMatrixRMaj(v, 1);
        CommonOps_DDRM.mult(p, alpha, projection);
        double[] residual = new double[v];
        double sq = 0;
        for (int y = 0; y < v; y++) {
            residual[y] = aggregate[y] - projection.get(y, 0);
            sq += residual[y] * residual[y];
        }
        return new Attribution(alpha.getData().clone(), projection.getData().clone(), residual, Math.sqrt(sq));
    }
}
