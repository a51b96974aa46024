"""What the runs say: every evaluation as one table, the views and findings drawn from it,
and the paper's numbers beside them. Torch-free; import each module from where it is:

- `xner.analysis.table`: the results table (columns, loading, drops, selecting, seed
  means, export, the main split); `xner.analysis.readers`: the cached per-file readers
  it and the slice table share.
- `xner.analysis.views`: readings, drop and coverage matrices, per-type scores, drop vs
  overlap, headline rows, provenance.
- `xner.analysis.overlap`: entity overlap from local data, attached to the table.
- `xner.analysis.reference`: the paper's kinds, published numbers and the comparison.
- `xner.analysis.findings` (+ `findings_stats`, `findings_text`): the study's questions,
  answered.
- `xner.analysis.slicetable`: seen vs unseen entity slices as a table.
"""
