"""Training: encoding, the fine-tuning loop, run configs and settings, whole runs."""

from xner.train.adapt import AdaptArgs
from xner.train.encode import LabelSpace, Window, bucket_batches, collate, encode
from xner.train.finetune import TrainArgs, finetune
from xner.train.loop import TrainProgress, TrainResult
from xner.train.methods import METHODS
from xner.train.run import predict_split, train_run
from xner.train.runconfig import RunConfig, data_hash
from xner.train.selftrain import SelfTrainArgs
from xner.train.settings import SETTINGS, SettingSpec

__all__ = [
    "METHODS",
    "SETTINGS",
    "AdaptArgs",
    "LabelSpace",
    "RunConfig",
    "SelfTrainArgs",
    "SettingSpec",
    "TrainArgs",
    "TrainProgress",
    "TrainResult",
    "Window",
    "bucket_batches",
    "collate",
    "data_hash",
    "encode",
    "finetune",
    "predict_split",
    "train_run",
]
