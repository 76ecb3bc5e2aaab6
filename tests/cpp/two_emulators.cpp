// One program linked against the emulator libraries of two different models whose
// firmware defines the same symbols (w3, w7, myproject, nnet::...). Each model must still
// compute with its own weights.
//
// Reads events from stdin, one per line (n_inputs numbers), and prints for each
// "<alpha output> <beta output>" with every digit, so the caller can compare bit for bit.
#include "cicada_alpha_v1.h"
#include "cicada_beta_v2.h"

#include <cstdio>
#include <vector>

int main() {
    const int n_inputs = cicada_alpha_v1_n_inputs();
    if (n_inputs != cicada_beta_v2_n_inputs() || cicada_alpha_v1_n_outputs() != 1 || cicada_beta_v2_n_outputs() != 1) {
        std::fprintf(stderr, "the two models should take the same inputs and give one output each\n");
        return 2;
    }
    std::vector<double> event(n_inputs);
    for (;;) {
        for (int i = 0; i < n_inputs; ++i) {
            if (std::scanf("%lf", &event[i]) != 1)
                return i == 0 ? 0 : 3; // end of input, or a truncated event
        }
        double alpha = 0, beta = 0;
        cicada_alpha_v1_predict(event.data(), &alpha, 1);
        cicada_beta_v2_predict(event.data(), &beta, 1);
        std::printf("%.17g %.17g\n", alpha, beta);
    }
}
