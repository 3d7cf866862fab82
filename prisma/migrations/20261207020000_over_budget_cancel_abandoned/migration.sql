-- An over-budget cancel TensorPix refused MAX_CANCEL_ATTEMPTS times is given up (src/jobs/over-budget.ts)
ALTER TYPE "OverBudgetCancel" ADD VALUE 'abandoned';
