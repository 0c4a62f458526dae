// Add/Sub/Mul/Div with broadcasting, and the activations, against hand-computed values: the
// reference functions, their shape inference and their OpKernel wrappers.
#include "tensorops_test_util.h"

#include "core/broadcast_iter.h"
#include "ir/broadcast.h"
#include "reference/activation.h"
#include "reference/elementwise.h"
#include "reference/softmax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace castnet {
namespace {

using tensorops_test::attrs_with;
using tensorops_test::expect_error;
using tensorops_test::f32s;
using tensorops_test::GraphBuilder;
using tensorops_test::i64s;
using tensorops_test::iota_f32;
using tensorops_test::run_reference_node;
using tensorops_test::values_of;

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  Tensor out(a.dtype(), ir::multidirectional_broadcast(a.shape(), b.shape()));
  reference::binary(op, TensorView::of(a), TensorView::of(b), TensorView::of(out));
  return out;
}

// ---- broadcasting ------------------------------------------------------------------------------

TEST(ReferenceElementwiseBroadcast, ShapeRules) {
  EXPECT_EQ(ir::multidirectional_broadcast(Shape{2, 3, 4}, Shape{3, 1}), (Shape{2, 3, 4}));
  EXPECT_EQ(ir::multidirectional_broadcast(Shape{4}, Shape{2, 3, 4}), (Shape{2, 3, 4}));
  EXPECT_EQ(ir::multidirectional_broadcast(Shape{}, Shape{2, 3}), (Shape{2, 3}));
  EXPECT_EQ(ir::multidirectional_broadcast(Shape{2, 1, 5}, Shape{7, 1}), (Shape{2, 7, 5}));
  EXPECT_EQ(ir::multidirectional_broadcast(Shape{0, 1}, Shape{1, 3}), (Shape{0, 3}));
  // Unknown dimensions: known wins over unknown unless the known one is 1.
  EXPECT_EQ(ir::multidirectional_broadcast(Shape{-1, 3}, Shape{1, 3}), (Shape{-1, 3}));
  EXPECT_EQ(ir::multidirectional_broadcast(Shape{-1, 3}, Shape{5, 1}), (Shape{5, 3}));
  EXPECT_EQ(ir::multidirectional_broadcast(std::vector<Shape>{{2, 1}, {1, 3}, {4, 1, 1}}), (Shape{4, 2, 3}));
  expect_error([] { ir::multidirectional_broadcast(Shape{2, 3}, Shape{4}); }, "cannot be broadcast");
  expect_error([] { ir::multidirectional_broadcast(Shape{2, 3, 4}, Shape{3, 2}); }, "cannot be broadcast");
  ir::check_unidirectional_broadcast({3, 1, 1}, {2, 3, 4, 4});
  ir::check_unidirectional_broadcast({}, {2, 3});
  expect_error([] { ir::check_unidirectional_broadcast({2, 3}, {3}); }, "cannot be broadcast");
  expect_error([] { ir::check_unidirectional_broadcast({2}, {2, 3}); }, "cannot be broadcast");
}

TEST(ReferenceElementwiseBroadcast, Strides) {
  EXPECT_EQ(broadcast_strides({3, 1}, {2, 3, 4}), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(broadcast_strides({2, 3, 4}, {2, 3, 4}), (std::vector<int64_t>{12, 4, 1}));
  expect_error([] { broadcast_strides({3}, {2, 4}); }, "cannot broadcast");
  expect_error([] { broadcast_strides({1, 2, 3}, {2, 3}); }, "rank");
}

TEST(ReferenceElementwise, AddRank3WithColumn) {
  Tensor a = iota_f32({2, 3, 4});
  Tensor b = f32s({3, 1}, {100, 200, 300});
  Tensor out = binary(BinaryOp::add, a, b);
  ASSERT_EQ(out.shape(), (Shape{2, 3, 4}));
  const float* y = out.data_as<float>();
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        EXPECT_EQ(y[(i * 3 + j) * 4 + k], static_cast<float>((i * 3 + j) * 4 + k + 100 * (j + 1)));
}

TEST(ReferenceElementwise, SubVectorFromRank3) {
  Tensor a = f32s({4}, {1, 2, 3, 4});
  Tensor b = iota_f32({2, 3, 4});
  Tensor out = binary(BinaryOp::sub, a, b);  // a - b: the smaller operand first
  ASSERT_EQ(out.shape(), (Shape{2, 3, 4}));
  for (int64_t n = 0; n < 24; ++n) EXPECT_EQ(out.data_as<float>()[n], static_cast<float>(n % 4 + 1 - n));
}

TEST(ReferenceElementwise, Scalars) {
  Tensor s = f32s({}, {2});
  Tensor m = f32s({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(values_of<float>(binary(BinaryOp::mul, s, m)), (std::vector<float>{2, 4, 6, 8, 10, 12}));
  EXPECT_EQ(values_of<float>(binary(BinaryOp::div, m, s)), (std::vector<float>{0.5f, 1, 1.5f, 2, 2.5f, 3}));
  Tensor both = binary(BinaryOp::sub, s, f32s({}, {5}));
  EXPECT_EQ(both.shape(), Shape{});
  EXPECT_EQ(values_of<float>(both), std::vector<float>{-3});
}

TEST(ReferenceElementwise, FloatDivisionByZeroIsIeee) {
  std::vector<float> y = values_of<float>(binary(BinaryOp::div, f32s({3}, {1, -1, 0}), f32s({}, {0})));
  EXPECT_EQ(y[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ(y[1], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(y[2]));
}

TEST(ReferenceElementwise, IntegerArithmetic) {
  // Division truncates toward zero, as in C.
  Tensor a = i64s({4}, {7, -7, 7, -7});
  Tensor b = i64s({4}, {2, 2, -2, -2});
  EXPECT_EQ(values_of<int64_t>(binary(BinaryOp::div, a, b)), (std::vector<int64_t>{3, -3, -3, 3}));
  EXPECT_EQ(values_of<int64_t>(binary(BinaryOp::mul, a, b)), (std::vector<int64_t>{14, -14, -14, 14}));
  // i32 broadcast
  Tensor c = Tensor::from_vector<int32_t>({2, 1}, {10, 20});
  Tensor d = Tensor::from_vector<int32_t>({3}, {1, 2, 3});
  EXPECT_EQ(values_of<int32_t>(binary(BinaryOp::sub, c, d)), (std::vector<int32_t>{9, 8, 7, 19, 18, 17}));
  // u8 wraps modulo 256 (the ONNX uint8 tests stay in range; wrapping is what numpy does).
  Tensor u = Tensor::from_vector<uint8_t>({3}, {250, 3, 10});
  Tensor v = Tensor::from_vector<uint8_t>({3}, {10, 5, 3});
  EXPECT_EQ(values_of<uint8_t>(binary(BinaryOp::add, u, v)), (std::vector<uint8_t>{4, 8, 13}));
  EXPECT_EQ(values_of<uint8_t>(binary(BinaryOp::sub, u, v)), (std::vector<uint8_t>{240, 254, 7}));
  EXPECT_EQ(values_of<uint8_t>(binary(BinaryOp::div, u, v)), (std::vector<uint8_t>{25, 0, 3}));
  // i8: the one overflowing quotient wraps instead of trapping.
  Tensor p = Tensor::from_vector<int8_t>({2}, {-128, 100});
  Tensor q = Tensor::from_vector<int8_t>({2}, {-1, 2});
  EXPECT_EQ(values_of<int8_t>(binary(BinaryOp::div, p, q)), (std::vector<int8_t>{-128, 50}));
  EXPECT_EQ(values_of<int8_t>(binary(BinaryOp::add, p, q)), (std::vector<int8_t>{127, 102}));
  Tensor big = i64s({1}, {std::numeric_limits<int64_t>::min()});
  EXPECT_EQ(values_of<int64_t>(binary(BinaryOp::div, big, i64s({1}, {-1})))[0], std::numeric_limits<int64_t>::min());
}

TEST(ReferenceElementwise, IntegerDivisionByZeroThrows) {
  expect_error([] { binary(BinaryOp::div, i64s({2}, {1, 2}), i64s({2}, {1, 0})); }, "division by zero");
  expect_error([] { binary(BinaryOp::div, Tensor::from_vector<uint8_t>({1}, {1}), Tensor::from_vector<uint8_t>({1}, {0})); },
               "division by zero");
}

TEST(ReferenceElementwise, RejectsBadArguments) {
  Tensor a = iota_f32({2, 3});
  Tensor b = i64s({3}, {1, 2, 3});
  Tensor out(DType::f32, {2, 3});
  expect_error([&] { reference::binary(BinaryOp::add, TensorView::of(a), TensorView::of(b), TensorView::of(out)); },
               "dtype");
  Tensor c = iota_f32({3});
  Tensor too_big(DType::f32, {4, 2, 3});
  expect_error([&] { reference::binary(BinaryOp::add, TensorView::of(a), TensorView::of(c), TensorView::of(too_big)); },
               "not the broadcast");
  Tensor d = iota_f32({4});
  expect_error([&] { reference::binary(BinaryOp::add, TensorView::of(a), TensorView::of(d), TensorView::of(out)); },
               "cannot broadcast");
}

TEST(ReferenceElementwiseSchema, InfersBroadcastAndFlops) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {2, 3, 4});
  ir::ValueId y = b.input("y", {3, 1});
  ir::ValueId z = b.node1("Add", {x, y});
  b.infer({z});
  EXPECT_EQ(b.value(z).shape, (Shape{2, 3, 4}));
  EXPECT_EQ(b.value(z).dtype, DType::f32);
  EXPECT_FALSE(b.value(z).is_constant());
  EXPECT_EQ(ir::node_flops(b.graph, b.graph.nodes[0]), 24);
}

TEST(ReferenceElementwiseSchema, Errors) {
  {
    GraphBuilder b;
    ir::ValueId z = b.node1("Mul", {b.input("x", {2, 3}), b.input("y", {2, 4})});
    expect_error([&] { b.infer({z}); }, "cannot be broadcast");
  }
  {
    GraphBuilder b;
    ir::ValueId z = b.node1("Add", {b.input("x", {2, 3}), b.input("y", {2, 3}, DType::i64)});
    expect_error([&] { b.infer({z}); }, "dtypes differ");
  }
  {
    GraphBuilder b;
    ir::ValueId z = b.node1("Div", {b.input("x", {2}, DType::boolean), b.input("y", {2}, DType::boolean)});
    expect_error([&] { b.infer({z}); }, "unsupported");
  }
}

TEST(ReferenceElementwiseSchema, FoldsConstantIntegers) {
  GraphBuilder b;
  ir::ValueId z = b.node1("Mul", {b.constant("a", i64s({2}, {3, 4})), b.constant("b", i64s({}, {-2}))});
  b.infer({z});
  ASSERT_TRUE(b.value(z).is_constant());
  EXPECT_EQ(values_of<int64_t>(*b.value(z).constant), (std::vector<int64_t>{-6, -8}));
}

TEST(ReferenceElementwiseKernel, RunsThroughRegistry) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {2, 3}, DType::i32);
  ir::ValueId z = b.node1("Div", {x, b.constant("d", Tensor::from_vector<int32_t>({3}, {2, -3, 4}))});
  b.infer({z});
  std::vector<Tensor> out =
      run_reference_node(b.graph, 0, {{x, Tensor::from_vector<int32_t>({2, 3}, {5, 5, 5, -9, -9, -9})}});
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{2, -1, 1, -4, 3, -2}));
}

// ---- activations -------------------------------------------------------------------------------

Tensor apply(const Tensor& x, const std::function<void(const TensorView&, const TensorView&)>& fn) {
  Tensor y(x.dtype(), x.shape());
  fn(TensorView::of(x), TensorView::of(y));
  return y;
}

TEST(ReferenceActivation, Relu) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> y = values_of<float>(apply(f32s({5}, {-1.5f, 0, 2, -0.f, nan}), reference::relu));
  EXPECT_EQ(y[0], 0);
  EXPECT_EQ(y[1], 0);
  EXPECT_EQ(y[2], 2);
  EXPECT_TRUE(std::isnan(y[4]));
  Tensor i8 = Tensor::from_vector<int8_t>({3}, {-128, 0, 127});
  EXPECT_EQ(values_of<int8_t>(apply(i8, reference::relu)), (std::vector<int8_t>{0, 0, 127}));
}

TEST(ReferenceActivation, Clip) {
  Tensor x = f32s({5}, {-3, -1, 0, 1, 3});
  Tensor lo = f32s({}, {-1.5f}), hi = f32s({1}, {2});
  TensorView lv = TensorView::of(lo), hv = TensorView::of(hi);
  EXPECT_EQ(values_of<float>(apply(x, [&](auto& a, auto& b) { reference::clip(a, &lv, &hv, b); })),
            (std::vector<float>{-1.5f, -1, 0, 1, 2}));
  EXPECT_EQ(values_of<float>(apply(x, [&](auto& a, auto& b) { reference::clip(a, nullptr, &hv, b); })),
            (std::vector<float>{-3, -1, 0, 1, 2}));
  EXPECT_EQ(values_of<float>(apply(x, [&](auto& a, auto& b) { reference::clip(a, -0.5f, 0.5f, b); })),
            (std::vector<float>{-0.5f, -0.5f, 0, 0.5f, 0.5f}));
  // int8 with default bounds (test_clip_default_int8_*): the type's own range.
  Tensor i8 = Tensor::from_vector<int8_t>({4}, {-128, -5, 5, 127});
  EXPECT_EQ(values_of<int8_t>(apply(i8, [&](auto& a, auto& b) { reference::clip(a, nullptr, nullptr, b); })),
            (std::vector<int8_t>{-128, -5, 5, 127}));
  Tensor i8min = Tensor::from_vector<int8_t>({}, {0});
  TensorView mv = TensorView::of(i8min);
  EXPECT_EQ(values_of<int8_t>(apply(i8, [&](auto& a, auto& b) { reference::clip(a, &mv, nullptr, b); })),
            (std::vector<int8_t>{0, 0, 5, 127}));
  expect_error([&] { apply(i8, [&](auto& a, auto& b) { reference::clip(a, &lv, nullptr, b); }); }, "dtype");
}

TEST(ReferenceActivation, LeakyReluAndPRelu) {
  Tensor x = f32s({4}, {-2, -0.5f, 0, 3});
  EXPECT_EQ(values_of<float>(apply(x, [](auto& a, auto& b) { reference::leaky_relu(a, 0.25f, b); })),
            (std::vector<float>{-0.5f, -0.125f, 0, 3}));
  // slope per channel, [3,1,1] broadcast to [2,3,1,2].
  Tensor px = f32s({2, 3, 1, 2}, {-1, 1, -2, 2, -3, 3, -4, 4, -5, 5, -6, 6});
  Tensor slope = f32s({3, 1, 1}, {0.5f, 2, 10});
  Tensor y(DType::f32, px.shape());
  reference::prelu(TensorView::of(px), TensorView::of(slope), TensorView::of(y));
  EXPECT_EQ(values_of<float>(y), (std::vector<float>{-0.5f, 1, -4, 2, -30, 3, -2, 4, -10, 5, -60, 6}));
}

TEST(ReferenceActivation, SigmoidFamily) {
  Tensor x = f32s({3}, {0, std::log(3.f), -std::log(3.f)});
  std::vector<float> s = values_of<float>(apply(x, reference::sigmoid));
  EXPECT_FLOAT_EQ(s[0], 0.5f);
  EXPECT_FLOAT_EQ(s[1], 0.75f);
  EXPECT_FLOAT_EQ(s[2], 0.25f);
  Tensor h = f32s({5}, {-5, -1, 0, 1, 5});
  std::vector<float> hs = values_of<float>(apply(h, [](auto& a, auto& b) { reference::hard_sigmoid(a, 0.2f, 0.5f, b); }));
  std::vector<float> want_hs = {0, 0.3f, 0.5f, 0.7f, 1};
  for (size_t i = 0; i < hs.size(); ++i) EXPECT_FLOAT_EQ(hs[i], want_hs[i]);
  Tensor w = f32s({5}, {-4, -1, 0, 1, 4});
  std::vector<float> sw = values_of<float>(apply(w, reference::hard_swish));
  std::vector<float> want_sw = {0, -1.f / 3, 0, 2.f / 3, 4};
  for (size_t i = 0; i < sw.size(); ++i) EXPECT_FLOAT_EQ(sw[i], want_sw[i]);
}

// x = log(w) so the softmax is w normalised over the right group of elements.
Tensor log_of(const Shape& shape, const std::vector<float>& w) {
  std::vector<float> v;
  for (float e : w) v.push_back(std::log(e));
  return f32s(shape, v);
}

TEST(ReferenceActivation, SoftmaxOpset13PerAxisVsOpset11Coerced) {
  Tensor x = log_of({2, 2, 2}, {1, 2, 3, 4, 1, 1, 1, 1});
  Tensor per_axis(DType::f32, x.shape()), coerced(DType::f32, x.shape());
  reference::softmax(TensorView::of(x), 1, false, TensorView::of(per_axis));
  reference::softmax(TensorView::of(x), 1, true, TensorView::of(coerced));
  // Opset 13, axis 1: pairs (x[i,0,k], x[i,1,k]).
  std::vector<float> want13 = {0.25f, 1.f / 3, 0.75f, 2.f / 3, 0.5f, 0.5f, 0.5f, 0.5f};
  // Opset 11, axis 1: each [2,2] block as one row of 4.
  std::vector<float> want11 = {0.1f, 0.2f, 0.3f, 0.4f, 0.25f, 0.25f, 0.25f, 0.25f};
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_NEAR(per_axis.data_as<float>()[i], want13[i], 1e-6) << i;
    EXPECT_NEAR(coerced.data_as<float>()[i], want11[i], 1e-6) << i;
  }
  // The last axis means the same in both.
  Tensor a(DType::f32, x.shape()), b(DType::f32, x.shape());
  reference::softmax(TensorView::of(x), 2, false, TensorView::of(a));
  reference::softmax(TensorView::of(x), 2, true, TensorView::of(b));
  EXPECT_EQ(values_of<float>(a), values_of<float>(b));
  EXPECT_NEAR(a.data_as<float>()[1], 2.f / 3, 1e-6);
}

TEST(ReferenceActivation, SoftmaxLargeNumbersAreStable) {
  Tensor x = f32s({1, 3}, {1000, 1000 + std::log(2.f), 1000 + std::log(5.f)});
  Tensor y(DType::f32, x.shape());
  reference::softmax(TensorView::of(x), 1, false, TensorView::of(y));
  EXPECT_NEAR(y.data_as<float>()[0], 0.125f, 1e-4);
  EXPECT_NEAR(y.data_as<float>()[2], 0.625f, 1e-4);
}

TEST(ReferenceActivationSchema, SoftmaxDefaultAxisPerOpset) {
  for (int64_t opset : {11, 13}) {
    GraphBuilder b(opset);
    ir::ValueId x = b.input("x", {2, 2, 2});
    ir::ValueId y = b.node1("Softmax", {x});
    b.infer({y});
    EXPECT_EQ(b.value(y).shape, (Shape{2, 2, 2}));
    const ir::Node& n = b.graph.nodes[0];
    if (opset < 13) {
      EXPECT_EQ(n.attrs.get_int("axis", -99), 1);  // the old default, written out
    } else {
      EXPECT_FALSE(n.attrs.has("axis"));
    }
    if (opset >= 13) {
      // The kernel normalises along the default axis, the last one.
      Tensor xv = log_of({2, 2, 2}, {1, 3, 1, 1, 2, 2, 1, 4});
      std::vector<float> y13 = values_of<float>(run_reference_node(b.graph, 0, {{x, xv}})[0]);
      EXPECT_NEAR(y13[0], 0.25f, 1e-6);
      EXPECT_NEAR(y13[7], 0.8f, 1e-6);
    }
  }
  GraphBuilder bad;
  ir::ValueId y = bad.node1("Softmax", {bad.input("x", {2, 3})}, attrs_with([](auto& a) { a.set_int("axis", 2); }));
  expect_error([&] { bad.infer({y}); }, "out of range");
}

TEST(ReferenceActivationSchema, ClipAndPReluValidation) {
  {
    GraphBuilder b(13);
    ir::ValueId y = b.node1("Clip", {b.input("x", {4}, DType::i8), b.constant("lo", f32s({}, {0}))});
    expect_error([&] { b.infer({y}); }, "dtype");
  }
  {
    GraphBuilder b(13);
    ir::ValueId y = b.node1("PRelu", {b.input("x", {2, 3}), b.input("s", {2})});
    expect_error([&] { b.infer({y}); }, "cannot be broadcast");
  }
  {
    GraphBuilder b;
    ir::ValueId y = b.node1("Sigmoid", {b.input("x", {2}, DType::i64)});
    expect_error([&] { b.infer({y}); }, "unsupported");
  }
}

TEST(ReferenceActivationKernel, ClipAttributesBeforeOpset11AndInputsAfter) {
  {
    GraphBuilder b(6);
    ir::ValueId x = b.input("x", {4});
    ir::ValueId y = b.node1("Clip", {x}, attrs_with([](auto& a) { a.set_float("min", -1); a.set_float("max", 1); }));
    b.infer({y});
    EXPECT_EQ(values_of<float>(run_reference_node(b.graph, 0, {{x, f32s({4}, {-3, -0.5f, 0.5f, 3})}})[0]),
              (std::vector<float>{-1, -0.5f, 0.5f, 1}));
  }
  {
    GraphBuilder b(13);
    ir::ValueId x = b.input("x", {4}, DType::i8);
    ir::ValueId y = b.node1("Clip", {x, ir::kNoValue, b.constant("hi", Tensor::from_vector<int8_t>({}, {3}))});
    b.infer({y});
    EXPECT_EQ(values_of<int8_t>(run_reference_node(b.graph, 0, {{x, Tensor::from_vector<int8_t>({4}, {-9, 0, 3, 9})}})[0]),
              (std::vector<int8_t>{-9, 0, 3, 3}));
  }
}

TEST(ReferenceActivationKernel, HardSigmoidAttributesAndFlops) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {3});
  ir::ValueId y = b.node1("HardSigmoid", {x}, attrs_with([](auto& a) { a.set_float("alpha", 0.5f); a.set_float("beta", 0.25f); }));
  b.infer({y});
  EXPECT_EQ(values_of<float>(run_reference_node(b.graph, 0, {{x, f32s({3}, {-1, 0.5f, 2})}})[0]),
            (std::vector<float>{0, 0.5f, 1}));
  EXPECT_GT(ir::node_flops(b.graph, b.graph.nodes[0]), 0);
}

}  // namespace
}  // namespace castnet
