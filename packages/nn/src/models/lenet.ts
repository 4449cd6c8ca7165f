/** LeNet as in the PyTorch book (CIFAR-10 by default; 1 channel and 28x28 for MNIST). */
import type { Generator, Tensor } from '@nndl/tensor';
import * as F from '../functional.js';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import { Module } from '../module.js';

export interface LeNetOptions {
  /** 3 for CIFAR-10 (default), 1 for MNIST. */
  inChannels?: number;
  /** Input height and width: 32 for CIFAR-10 (default), 28 for MNIST. */
  imageSize?: number;
  numClasses?: number;
  generator?: Generator;
}

/**
 * conv 6@5x5 -> ReLU -> max-pool 2 -> conv 16@5x5 -> ReLU -> max-pool 2 -> fc 120 -> ReLU -> fc 84 -> ReLU -> fc 10.
 * @example new LeNet().call(randn([4, 3, 32, 32])) // [4, 10] logits
 */
export class LeNet extends Module {
  readonly imageSize: number;
  conv1: Conv2d;
  conv2: Conv2d;
  fc1: Linear;
  fc2: Linear;
  fc3: Linear;

  constructor(options: LeNetOptions = {}) {
    super();
    const { inChannels = 3, imageSize = 32, numClasses = 10, generator } = options;
    this.imageSize = imageSize;
    const side = Math.floor((Math.floor((imageSize - 4) / 2) - 4) / 2);
    if (side < 1) throw new Error(`LeNet: imageSize ${imageSize} is too small (at least 16)`);
    this.conv1 = new Conv2d(inChannels, 6, 5, { generator });
    this.conv2 = new Conv2d(6, 16, 5, { generator });
    this.fc1 = new Linear(16 * side * side, 120, { generator });
    this.fc2 = new Linear(120, 84, { generator });
    this.fc3 = new Linear(84, numClasses, { generator });
  }

  override forward(x: Tensor): Tensor {
    x = F.maxPool2d(this.conv1.call(x).relu(), 2);
    x = F.maxPool2d(this.conv2.call(x).relu(), 2);
    x = x.flatten(1);
    x = this.fc1.call(x).relu();
    x = this.fc2.call(x).relu();
    return this.fc3.call(x);
  }
}
