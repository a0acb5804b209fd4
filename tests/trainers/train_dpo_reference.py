#!/usr/bin/python3
"""Independent DPO/IPO reference (Debian python3-torch) for the C++ parity test.

Reads JSON {beta, loss, policy_chosen, policy_rejected, ref_chosen, ref_rejected} on stdin and
prints the loss, the gradient of the loss w.r.t. the policy log-probs, and the TRL-named
reward statistics, computed from the DPO paper's formulas with float64 tensors.
"""
import json
import sys

import torch
import torch.nn.functional as F


def main():
    req = json.load(sys.stdin)
    beta = float(req["beta"])
    pc = torch.tensor(req["policy_chosen"], dtype=torch.float64, requires_grad=True)
    pr = torch.tensor(req["policy_rejected"], dtype=torch.float64, requires_grad=True)
    rc = torch.tensor(req["ref_chosen"], dtype=torch.float64)
    rr = torch.tensor(req["ref_rejected"], dtype=torch.float64)
    # log pi(y_w)/pi_ref(y_w) - log pi(y_l)/pi_ref(y_l)
    h = (pc - rc) - (pr - rr)
    if req["loss"] == "sigmoid":
        loss = -F.logsigmoid(beta * h).mean()
    elif req["loss"] == "ipo":
        loss = ((h - 1.0 / (2.0 * beta)) ** 2).mean()
    else:
        raise SystemExit("unknown loss " + req["loss"])
    loss.backward()
    chosen = beta * (pc - rc).detach()
    rejected = beta * (pr - rr).detach()
    out = {
        "loss": loss.item(),
        "grad_policy_chosen": pc.grad.tolist(),
        "grad_policy_rejected": pr.grad.tolist(),
        "rewards/chosen": chosen.mean().item(),
        "rewards/rejected": rejected.mean().item(),
        "rewards/accuracies": (chosen > rejected).double().mean().item(),
        "rewards/margins": (chosen - rejected).mean().item(),
        "logps/chosen": pc.detach().mean().item(),
        "logps/rejected": pr.detach().mean().item(),
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
